import Config
import Foundation

/// Where the supervisor's status socket lives. `serve` and `status` derive it the same
/// way from the configuration, so an operator's `status` finds the running service:
///
/// 1. `controlSocket` when set;
/// 2. under systemd, `$RUNTIME_DIRECTORY/control.sock` (the unit's `RuntimeDirectory=`,
///    `/run/superset-websocket`);
/// 3. else `/run/superset-websocket-<port>.sock` when `/run` is writable (root);
/// 4. else `<temp dir>/superset-websocket-<port>.sock`.
///
/// `status` runs without the unit's environment, so it tries, in order, the configured
/// path, `$RUNTIME_DIRECTORY`, `/run/superset-websocket/control.sock`, then 3 and 4.
public enum ControlSocketPath {
    public static let systemdRuntimePath = "/run/superset-websocket/control.sock"

    /// The path `serve` listens on.
    public static func forServer(_ config: ServiceConfig, environment: [String: String]) -> String {
        if !config.controlSocket.isEmpty { return config.controlSocket }
        if let runtime = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first, !runtime.isEmpty {
            return "\(runtime)/control.sock"
        }
        if access("/run", W_OK) == 0 { return runPath(port: config.port) }
        return tempPath(port: config.port)
    }

    /// The paths `status` tries, most specific first.
    public static func candidatesForClient(_ config: ServiceConfig, environment: [String: String]) -> [String] {
        if !config.controlSocket.isEmpty { return [config.controlSocket] }
        var paths: [String] = []
        if let runtime = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first, !runtime.isEmpty {
            paths.append("\(runtime)/control.sock")
        }
        paths += [systemdRuntimePath, runPath(port: config.port), tempPath(port: config.port)]
        return paths
    }

    static func runPath(port: Int) -> String { "/run/superset-websocket-\(port).sock" }

    static func tempPath(port: Int) -> String {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        return "\(directory.hasSuffix("/") ? String(directory.dropLast()) : directory)/superset-websocket-\(port).sock"
    }
}
