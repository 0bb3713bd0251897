/// Where and how to reach Redis: the target (TCP, unix socket or Sentinel), TLS, and the
/// credentials and database of the data connection.
///
/// Credentials follow upstream: `AUTH` is sent only when `password` is non-empty
/// (`AUTH username password`, or `AUTH password` when `username` is empty), and
/// `SELECT db` only when `db` is not 0.
public struct RedisEndpoint: Sendable, Equatable {
    public var target: RedisTarget
    /// TLS for TCP connections (the master and the Sentinels); nil: plain TCP.
    public var tls: RedisTLSSettings?
    public var username: String
    public var password: String
    public var db: Int
    /// Bound on the connect, including the TLS handshake (every resolved address together).
    public var connectTimeoutMs: Int

    public init(
        target: RedisTarget,
        tls: RedisTLSSettings? = nil,
        username: String = "default",
        password: String = "",
        db: Int = 0,
        connectTimeoutMs: Int = 5_000
    ) {
        self.target = target
        self.tls = tls
        self.username = username
        self.password = password
        self.db = db
        self.connectTimeoutMs = connectTimeoutMs
    }

    /// A server at `host:port`.
    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        tls: RedisTLSSettings? = nil,
        username: String = "default",
        password: String = "",
        db: Int = 0,
        connectTimeoutMs: Int = 5_000
    ) {
        self.init(
            target: .tcp(host: host, port: port), tls: tls, username: username, password: password, db: db,
            connectTimeoutMs: connectTimeoutMs)
    }

    /// The Sentinel settings when the target is `.sentinel`.
    public var sentinel: RedisSentinelSettings? {
        if case .sentinel(let settings) = target { return settings }
        return nil
    }
}

extension RedisEndpoint: CustomStringConvertible {
    /// `host:port/db`, `unix:/path/db` or `sentinel mymaster@host:port,…/db` (`+tls` when
    /// encrypted), never the credentials: safe for logs.
    public var description: String {
        let tlsMark = tls == nil ? "" : " +tls"
        switch target {
        case .tcp(let host, let port):
            return "\(RedisHostAndPort(host: host, port: port))/\(db)\(tlsMark)"
        case .unix(let path):
            return "unix:\(path)/\(db)"
        case .sentinel(let settings):
            let nodes = settings.sentinels.map(\.description).joined(separator: ",")
            return "sentinel \(settings.masterName)@\(nodes)/\(db)\(tlsMark)"
        }
    }
}
