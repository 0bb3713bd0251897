/// The configuration was refused; `issues` lists every problem found, not just
/// the first, so an operator can fix them all in one go.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `EX_CONFIG` from sysexits.h; what the executable exits with on this error.
    public static let exitCode: Int32 = 78

    public var issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) {
        self.issues = issues
    }

    /// One line per issue.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
