/// Why a test `RedisServer` could not be used.
public enum RedisServerError: Error, CustomStringConvertible {
    /// `redis-server` is not installed.
    case notInstalled(String)
    /// It could not be started, or did not answer PING in time.
    case launch(String)

    public var description: String {
        switch self {
        case .notInstalled(let path):
            "redis-server not found at \(path): apt-get install redis-server"
        case .launch(let message):
            "redis-server did not start: \(message)"
        }
    }
}
