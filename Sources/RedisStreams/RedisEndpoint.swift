/// Where and how to reach one Redis server.
///
/// Credentials follow upstream: `AUTH` is sent only when `password` is non-empty
/// (`AUTH username password`, or `AUTH password` when `username` is empty), and
/// `SELECT db` only when `db` is not 0.
public struct RedisEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String
    public var db: Int
    /// Bound on the TCP connect (every resolved address together).
    public var connectTimeoutMs: Int

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String = "default",
        password: String = "",
        db: Int = 0,
        connectTimeoutMs: Int = 5_000
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.db = db
        self.connectTimeoutMs = connectTimeoutMs
    }
}

extension RedisEndpoint: CustomStringConvertible {
    /// `host:port/db`, never the credentials: safe for logs.
    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(hostPart):\(port)/\(db)"
    }
}
