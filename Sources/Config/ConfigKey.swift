/// One configuration key: where it lives in the JSON, its environment variable, its
/// type, how to read and write it in a `ServiceConfig`, and the rules its value must
/// satisfy. The list of all keys is `ConfigKey.all`.
struct ConfigKey: Sendable {
    /// Dotted JSON path, e.g. `redis.port`.
    let path: String
    /// The environment variable that overrides the key, or `nil` for file-only keys.
    let environment: String?
    let kind: ConfigKind
    /// Rendered as `<redacted>` when secrets are redacted.
    let isSecret: Bool
    let get: @Sendable (ServiceConfig) -> ConfigValue
    /// Stores a value of the key's kind (values of another kind are ignored).
    let set: @Sendable (inout ServiceConfig, ConfigValue) -> Void
    /// Rules beyond the type; run on the effective value.
    let check: @Sendable (ConfigValue) -> [ConfigFinding]

    var components: [Substring] { path.split(separator: ".") }
}

extension ConfigKey {
    static func integer(
        _ path: String, env: String?, _ keyPath: WritableKeyPath<ServiceConfig, Int> & Sendable,
        in range: ClosedRange<Int>
    ) -> ConfigKey {
        ConfigKey(
            path: path, environment: env, kind: .integer, isSecret: false,
            get: { .integer($0[keyPath: keyPath]) },
            set: { config, value in
                if case .integer(let int) = value { config[keyPath: keyPath] = int }
            },
            check: { value in
                guard case .integer(let int) = value, !range.contains(int) else { return [] }
                return [.error(Self.rangeMessage(range, got: int))]
            })
    }

    static func boolean(
        _ path: String, env: String?, _ keyPath: WritableKeyPath<ServiceConfig, Bool> & Sendable
    ) -> ConfigKey {
        ConfigKey(
            path: path, environment: env, kind: .boolean, isSecret: false,
            get: { .boolean($0[keyPath: keyPath]) },
            set: { config, value in
                if case .boolean(let bool) = value { config[keyPath: keyPath] = bool }
            },
            check: { _ in [] })
    }

    static func string(
        _ path: String, env: String?, _ keyPath: WritableKeyPath<ServiceConfig, String> & Sendable,
        secret: Bool = false,
        check: @escaping @Sendable (String) -> [ConfigFinding] = { _ in [] }
    ) -> ConfigKey {
        ConfigKey(
            path: path, environment: env, kind: .string, isSecret: secret,
            get: { .string($0[keyPath: keyPath]) },
            set: { config, value in
                if case .string(let string) = value { config[keyPath: keyPath] = string }
            },
            check: { value in
                guard case .string(let string) = value else { return [] }
                return check(string)
            })
    }

    static func stringList(
        _ path: String, env: String?, _ keyPath: WritableKeyPath<ServiceConfig, [String]> & Sendable,
        check: @escaping @Sendable ([String]) -> [ConfigFinding] = { _ in [] }
    ) -> ConfigKey {
        ConfigKey(
            path: path, environment: env, kind: .stringList, isSecret: false,
            get: { .stringList($0[keyPath: keyPath]) },
            set: { config, value in
                if case .stringList(let list) = value { config[keyPath: keyPath] = list }
            },
            check: { value in
                guard case .stringList(let list) = value else { return [] }
                return check(list)
            })
    }

    static func rangeMessage(_ range: ClosedRange<Int>, got value: Int) -> String {
        if range.upperBound == Int.max {
            return "must be at least \(range.lowerBound), got \(value)"
        }
        return "must be between \(range.lowerBound) and \(range.upperBound), got \(value)"
    }
}
