extension ServiceConfig {
    /// The text secrets are replaced with when redacted.
    public static let redactedPlaceholder = "<redacted>"

    /// The effective configuration as pretty-printed JSON, keys in the key table's
    /// order (upstream's table order; nested `statsd` and `redis` last).
    ///
    /// Without redaction, loading the text back with no environment gives this
    /// configuration again: the supervisor hands the effective configuration to its
    /// workers this way. With redaction, `jwtSecret` and `redis.password` read
    /// `<redacted>` (or `""` when empty, so an operator can see they are unset).
    public func renderedJSON(redactingSecrets: Bool) -> String {
        let entries = ConfigKey.all.map { RenderEntry(rest: $0.components[...], key: $0) }
        return renderObject(entries, indent: "", redacting: redactingSecrets)
    }

    private struct RenderEntry {
        var rest: ArraySlice<Substring>
        var key: ConfigKey
    }

    /// Renders entries sharing a prefix as one object, grouping by the next path
    /// component in order of first appearance.
    private func renderObject(_ entries: [RenderEntry], indent: String, redacting: Bool) -> String {
        let inner = indent + "  "
        var names: [Substring] = []
        var members: [Substring: [RenderEntry]] = [:]
        for entry in entries {
            guard let name = entry.rest.first else { continue }
            if members[name] == nil { names.append(name) }
            members[name, default: []].append(RenderEntry(rest: entry.rest.dropFirst(), key: entry.key))
        }
        let lines = names.map { name -> String in
            let group = members[name]!
            let valueText: String
            if group.count == 1, group[0].rest.isEmpty {
                valueText = renderValue(of: group[0].key, redacting: redacting)
            } else {
                valueText = renderObject(group, indent: inner, redacting: redacting)
            }
            return inner + JSONText.quoted(String(name)) + ": " + valueText
        }
        return "{\n" + lines.joined(separator: ",\n") + "\n" + indent + "}"
    }

    private func renderValue(of key: ConfigKey, redacting: Bool) -> String {
        switch key.get(self) {
        case .integer(let int):
            return String(int)
        case .boolean(let bool):
            return bool ? "true" : "false"
        case .string(let string):
            if redacting, key.isSecret, !string.isEmpty {
                return JSONText.quoted(Self.redactedPlaceholder)
            }
            return JSONText.quoted(string)
        case .stringList(let list):
            return "[" + list.map(JSONText.quoted).joined(separator: ", ") + "]"
        }
    }
}

/// The environment variables the service reads its configuration from: a test or a
/// benchmark that launches the service clears them, so the caller's shell cannot
/// change what is measured.
public enum ConfigEnvironment {
    public static var variableNames: [String] { ConfigKey.all.compactMap(\.environment) }
}
