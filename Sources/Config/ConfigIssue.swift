/// One problem with the configuration.
public struct ConfigIssue: Equatable, Sendable, CustomStringConvertible {
    /// Dotted key path (`redis.port`); empty for problems with the file as a whole
    /// (unreadable, not JSON, not an object).
    public var path: String
    /// Where the bad value came from: the file name or the environment variable;
    /// `nil` for a default value.
    public var source: String?
    public var message: String

    public init(path: String, source: String?, message: String) {
        self.path = path
        self.source = source
        self.message = message
    }

    /// `<path>: <message> (from <source>)`.
    public var description: String {
        var line = path.isEmpty ? message : "\(path): \(message)"
        if let source { line += " (from \(source))" }
        return line
    }
}
