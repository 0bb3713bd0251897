import Foundation

/// The state of one load: the configuration so far, where each value came from, and
/// the problems found. Driven entirely by `ConfigKey.all`.
struct ConfigAssembly {
    private(set) var config = ServiceConfig()
    /// Key path → file name or environment variable that set it.
    private var sources: [String: String] = [:]
    private var issues: [ConfigIssue] = []
    private var warnings: [String] = []
    /// Paths whose last value was refused for its type; their rules are not run
    /// (the value is still the default, and would produce a misleading second issue).
    private var rejected: Set<String> = []

    /// Old names seen in upstream's example files, for a helpful warning.
    static let renamedKeys = ["streamPrefix": "redisStreamPrefix"]

    private static let leafPaths = Set(ConfigKey.all.map(\.path))
    /// Paths of nested objects (`statsd`, `redis`).
    private static let groupPaths = Set(ConfigKey.all.flatMap { key in
        let components = key.components
        return (1..<components.count).map { components[..<$0].joined(separator: ".") }
    })

    // MARK: File

    mutating func merge(file data: Data, name: String) throws(ConfigError) {
        let root: [String: JSONValue]
        switch JSONValue.parse(data) {
        case .failure(let error):
            throw ConfigError(issues: [
                ConfigIssue(path: "", source: name, message: "\(name) is not valid JSON: \(error.reason)")
            ])
        case .success(.object(let object)):
            root = object
        case .success(let other):
            throw ConfigError(issues: [
                ConfigIssue(path: "", source: name, message: "\(name) must hold a JSON object at the top level, got \(other.typeName)")
            ])
        }
        checkStructure(root, prefix: "", source: name)
        for key in ConfigKey.all {
            guard let json = Self.lookup(key.components, in: root) else { continue }
            switch Self.convert(json, to: key.kind) {
            case .success(let value):
                key.set(&config, value)
                sources[key.path] = name
                rejected.remove(key.path)
            case .failure(let message):
                issues.append(ConfigIssue(path: key.path, source: name, message: message.text))
                rejected.insert(key.path)
            }
        }
    }

    /// Warns about unknown keys and refuses nested groups that are not objects.
    private mutating func checkStructure(_ object: [String: JSONValue], prefix: String, source: String) {
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            let path = prefix.isEmpty ? name : "\(prefix).\(name)"
            if Self.leafPaths.contains(path) { continue }
            if Self.groupPaths.contains(path) {
                if case .object(let nested) = value {
                    checkStructure(nested, prefix: path, source: source)
                } else {
                    issues.append(ConfigIssue(path: path, source: source, message: "must be an object, got \(value.typeName)"))
                }
                continue
            }
            var warning = "\(path): unknown configuration key in \(source), ignored"
            if let newName = Self.renamedKeys[path] { warning += " (did you mean \(newName)?)" }
            warnings.append(warning)
        }
    }

    private static func lookup(_ components: [Substring], in root: [String: JSONValue]) -> JSONValue? {
        var object = root
        for component in components.dropLast() {
            guard case .object(let nested)? = object[String(component)] else { return nil }
            object = nested
        }
        return components.last.flatMap { object[String($0)] }
    }

    struct Refusal: Error { let text: String }

    static func convert(_ json: JSONValue, to kind: ConfigKind) -> Result<ConfigValue, Refusal> {
        switch (kind, json) {
        case (.integer, .integer(let int)):
            return .success(.integer(int))
        case (.integer, .number(let double)):
            guard double.isFinite, double.rounded() == double else {
                return .failure(Refusal(text: "must be a whole number, got \(double)"))
            }
            guard let int = Int(exactly: double) else {
                return .failure(Refusal(text: "is out of range, got \(double)"))
            }
            return .success(.integer(int))
        case (.boolean, .boolean(let bool)):
            return .success(.boolean(bool))
        case (.string, .string(let string)):
            return .success(.string(string))
        case (.stringList, .array(let items)):
            var strings: [String] = []
            for (index, item) in items.enumerated() {
                guard case .string(let string) = item else {
                    return .failure(Refusal(text: "must be \(kind.description), but item \(index) is \(item.typeName)"))
                }
                strings.append(string)
            }
            return .success(.stringList(strings))
        default:
            return .failure(Refusal(text: "must be \(kind.description), got \(json.typeName)"))
        }
    }

    // MARK: Environment

    /// Applies each key's environment variable when it is set and not blank.
    mutating func apply(environment: [String: String]) {
        for key in ConfigKey.all {
            guard let name = key.environment, let raw = environment[name] else { continue }
            let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            let value: ConfigValue
            switch key.kind {
            case .integer:
                guard let int = Int(trimmed) else {
                    issues.append(ConfigIssue(
                        path: key.path, source: name,
                        message: "environment variable \(name)=\(JSONText.quoted(trimmed)) is not an integer"))
                    rejected.insert(key.path)
                    continue
                }
                value = .integer(int)
            case .boolean:
                // Upstream: true only for "true", in any case; anything else is false.
                value = .boolean(trimmed.lowercased() == "true")
            case .string:
                value = .string(raw)
            case .stringList:
                value = .stringList(Self.list(fromEnvironment: raw))
            }
            key.set(&config, value)
            sources[key.path] = name
            rejected.remove(key.path)
        }
    }

    /// Comma-separated, each entry trimmed, empty entries dropped.
    static func list(fromEnvironment raw: String) -> [String] {
        raw.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
    }

    // MARK: Validation

    /// Runs every key's rules, then the rules between keys; throws every error found, or returns the
    /// configuration with its warnings.
    consuming func validated() throws(ConfigError) -> LoadedConfig {
        for key in ConfigKey.all where !rejected.contains(key.path) {
            for finding in key.check(key.get(config)) {
                switch finding {
                case .error(let message):
                    issues.append(ConfigIssue(path: key.path, source: sources[key.path], message: message))
                case .warning(let message):
                    warnings.append("\(key.path): \(message)")
                }
            }
        }
        for relation in ConfigRelation.all {
            for (path, finding) in relation.check(config) where !rejected.contains(path) {
                switch finding {
                case .error(let message):
                    issues.append(ConfigIssue(path: path, source: sources[path], message: message))
                case .warning(let message):
                    warnings.append("\(path): \(message)")
                }
            }
        }
        guard issues.isEmpty else { throw ConfigError(issues: issues) }
        return LoadedConfig(config: config, warnings: warnings)
    }
}
