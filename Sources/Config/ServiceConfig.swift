/// The effective configuration of the service: defaults, then the JSON file, then
/// the environment (see `ConfigLoader`).
///
/// Property names are the JSON keys of upstream's `config.json` (PROTOCOL.md), so an
/// operator's existing file keeps working. Every property starts at its default; the
/// rules each key must satisfy live in one place, the key table (`ConfigKey.all`).
public struct ServiceConfig: Equatable, Sendable {
    /// Default of `maxSocketBufferBytes`: 1 MiB. Upstream's 0 (no cap) lets one stalled
    /// browser grow a worker's memory without bound. A real Superset socket carries a few
    /// events of a few hundred bytes per chart, so even a large dashboard's burst sits far
    /// below 1 MiB; a client that does fall that far behind is closed with 1013 and its
    /// reconnect with `last_id` replays what it missed, so the cap costs memory, never events.
    public static let defaultMaxSocketBufferBytes = 1 << 20

    public var port = 8080
    /// Bind address of the listener.
    public var host = "0.0.0.0"
    /// Number of worker processes; 0 means one per online CPU.
    public var workers = 0
    /// A winston level (`error`, `warn`, `info`, `http`, `verbose`, `debug`, `silly`) or
    /// a swift-log level, stored as given; see `swiftLogLevelName`.
    public var logLevel = "info"
    public var logToFile = false
    public var logFilename = "app.log"
    public var redisStreamPrefix = "async-events-"
    public var redisStreamReadCount = 100
    public var redisStreamReadBlockMs = 5000
    public var jwtAlgorithms = ["HS256"]
    public var jwtSecret = ""
    public var jwtCookieName = "async-token"
    public var jwtChannelIdKey = "channel"
    /// Allowed `Origin` values; empty or containing `*` allows all.
    public var allowedOrigins: [String] = []
    public var socketResponseTimeoutMs = 60000
    public var pingSocketsIntervalMs = 20000
    public var gcChannelsIntervalMs = 120000
    public var maxSocketBufferBytes = ServiceConfig.defaultMaxSocketBufferBytes
    public var eventYieldBatchSize = 100
    /// 0 means no cap.
    public var maxConnectionsPerChannel = 0
    /// 0 means no cap.
    public var maxTotalConnections = 0
    /// Time a client has to complete the HTTP upgrade.
    public var handshakeTimeoutMs = 10000
    /// How long workers drain their clients on SIGTERM before exiting anyway.
    public var shutdownTimeoutMs = 10000
    /// A worker whose heartbeat is older than this is killed and replaced.
    public var workerHeartbeatTimeoutMs = 10000
    /// The supervisor's status socket; empty: derived (see the Control module).
    public var controlSocket = ""
    /// Which generation of Superset's WebSocket protocol to serve: `streams` (Superset
    /// 2.x–6.x, the Redis streams firehose and the `async-token` cookie), `realtime`
    /// (Superset 7, Redis Pub/Sub and the `superset-ws-token` cookie) or `both`.
    public var `protocol` = ServiceProtocol.streams.rawValue
    /// A verify-only secret accepted beside `jwtSecret` for realtime tokens while
    /// Superset's `WEBSOCKET_JWT_SECRET` is rotated (upstream's `previousJwtSecret`).
    public var previousJwtSecret = ""
    /// The realtime cookie (Superset 7's `WEBSOCKET_JWT_COOKIE_NAME`).
    public var realtimeJwtCookieName = "superset-ws-token"
    /// Prefix of the Pub/Sub channel `<prefix>realtime` (Superset's `REALTIME_CHANNEL_PREFIX`).
    public var realtimeChannelPrefix = ""
    /// Each worker's recent realtime messages kept for resuming sockets: at most this
    /// many messages and this many bytes of them.
    public var realtimeBufferMaxMessages = 1_000
    public var realtimeBufferMaxBytes = 1 << 20
    public var statsd = StatsdConfig()
    public var redis = RedisConfig()

    /// The defaults of every key.
    public init() {}

    /// `protocol` as a value (validation guarantees it parses).
    public var serviceProtocol: ServiceProtocol {
        ServiceProtocol(rawValue: self.protocol) ?? .streams
    }
}

/// The protocol generations a service serves (the `protocol` key).
public enum ServiceProtocol: String, Sendable, CaseIterable {
    case streams
    case realtime
    case both

    public var servesStreams: Bool { self != .realtime }
    public var servesRealtime: Bool { self != .streams }
}
