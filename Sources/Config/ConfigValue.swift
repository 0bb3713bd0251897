/// The value of one configuration key, independent of the key's Swift type, so that
/// one table of keys can drive merging, environment overrides, validation and
/// rendering.
enum ConfigValue: Equatable, Sendable {
    case integer(Int)
    case boolean(Bool)
    case string(String)
    case stringList([String])
}

/// The JSON type a key expects, used to convert file and environment values.
enum ConfigKind: Sendable {
    case integer
    case boolean
    case string
    case stringList

    /// How error messages name the type: "must be <description>".
    var description: String {
        switch self {
        case .integer: "an integer"
        case .boolean: "a boolean (true or false)"
        case .string: "a string"
        case .stringList: "a list of strings"
        }
    }
}

/// What a key's rule says about a value that has the right type.
enum ConfigFinding: Equatable, Sendable {
    /// Fatal: the configuration is refused.
    case error(String)
    /// Reported, but the configuration is used.
    case warning(String)
}
