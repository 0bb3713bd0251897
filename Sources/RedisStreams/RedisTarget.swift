/// How to find the Redis server: the one place that decides, for every connection of the
/// service (firehose reader, bootstrap, replay, publisher), where it connects.
public enum RedisTarget: Sendable, Equatable {
    /// A server at a host (name or IP literal) and TCP port.
    case tcp(host: String, port: Int)
    /// A server on a unix socket (`unixsocket` in redis.conf).
    case unix(path: String)
    /// Whichever server the Sentinels currently name master (asked on every connect, and
    /// re-checked while connected; see `RedisSentinelSettings`).
    case sentinel(RedisSentinelSettings)
}

/// A host and TCP port (a Sentinel's address).
public struct RedisHostAndPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, IPv6 literals bracketed.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// Redis Sentinel: the master of `masterName`, as the Sentinels report it.
///
/// Follows the Sentinel client protocol: ask each Sentinel in turn (the last one that
/// answered first) `SENTINEL get-master-addr-by-name`, connect, and check with `ROLE`
/// that the server really is a master. While connected, the connection confirms with a
/// Sentinel at most every `masterCheckIntervalMs` (before a command) that the master has
/// not moved: a manual failover leaves the old master accepting reads and writes until
/// the Sentinels demote it (about ten seconds), and reading it that long would hide the
/// new master's events. A `READONLY` reply, or any connection error, also sends the
/// connection back to the Sentinels.
public struct RedisSentinelSettings: Sendable, Equatable {
    public var sentinels: [RedisHostAndPort]
    public var masterName: String
    /// The Sentinels' own credentials (not the master's). `AUTH` only when `password` is set.
    public var username: String
    public var password: String
    /// How often a connection confirms that its server is still the master.
    public var masterCheckIntervalMs: Int

    public init(
        sentinels: [RedisHostAndPort], masterName: String, username: String = "", password: String = "",
        masterCheckIntervalMs: Int = 1_000
    ) {
        self.sentinels = sentinels
        self.masterName = masterName
        self.username = username
        self.password = password
        self.masterCheckIntervalMs = masterCheckIntervalMs
    }
}

/// A concrete server, as connected to (a Sentinel target resolves to one of these).
enum RedisServerAddress: Sendable, Equatable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unix(path: String)

    var description: String {
        switch self {
        case .tcp(let host, let port): RedisHostAndPort(host: host, port: port).description
        case .unix(let path): "unix:\(path)"
        }
    }
}
