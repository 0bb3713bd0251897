import Foundation

/// Builds the effective configuration: defaults, then the JSON file merged deeply
/// over them, then environment variables; then validates the result.
public enum ConfigLoader {
    /// Where the Debian package installs the configuration file.
    public static let defaultPath = "/etc/superset-websocket/config.json"

    /// Every environment variable that overrides a key, in key-table order.
    public static var environmentVariableNames: [String] {
        ConfigKey.all.compactMap(\.environment)
    }

    /// Loads the file at `path` (none when `nil`) and applies `environment`.
    ///
    /// A path that cannot be read is an error naming the path.
    public static func load(
        path: String?, environment: [String: String]
    ) throws(ConfigError) -> LoadedConfig {
        try load(fileContents: read(path), fileName: path, environment: environment)
    }

    /// The configuration as far as it can be read, without the validation rules.
    ///
    /// For commands that only need to find the running service (`status`): they need
    /// neither a valid secret nor a consistent Redis section, and an operator asking
    /// what the service is doing should not be told to fix its secret first. A file
    /// that cannot be read or is not a JSON object is still an error.
    public static func loadUnvalidated(
        path: String?, environment: [String: String]
    ) throws(ConfigError) -> ServiceConfig {
        var assembly = ConfigAssembly()
        if let data = try read(path) {
            try assembly.merge(file: data, name: path ?? "configuration file")
        }
        assembly.apply(environment: environment)
        return assembly.config
    }

    /// The file's bytes (`nil` without a path); a path that cannot be read is an error
    /// naming it.
    private static func read(_ path: String?) throws(ConfigError) -> Data? {
        guard let path else { return nil }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = readFailureReason(error as NSError)
            throw ConfigError(issues: [
                ConfigIssue(path: "", source: path, message: "cannot read configuration file \(path): \(reason)")
            ])
        }
    }

    /// The most specific text Foundation offers ("The file doesn’t exist.",
    /// "Is a directory", …).
    private static func readFailureReason(_ error: NSError) -> String {
        if let reason = error.localizedFailureReason { return reason }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? any Error {
            let posix = underlying as NSError
            if posix.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(posix.code))) }
        }
        return error.localizedDescription
    }

    /// Merges `fileContents` (a JSON object; none when `nil`) over the defaults,
    /// applies `environment`, and validates.
    ///
    /// - Throws: every problem found at once; a file that is not a JSON object
    ///   stops loading at once (reporting keys would only add noise).
    public static func load(
        fileContents: Data?, fileName: String?, environment: [String: String]
    ) throws(ConfigError) -> LoadedConfig {
        var assembly = ConfigAssembly()
        if let fileContents {
            try assembly.merge(file: fileContents, name: fileName ?? "configuration file")
        }
        assembly.apply(environment: environment)
        return try assembly.validated()
    }
}
