extension ConfigKey {
    /// Every configuration key, in the order `renderedJSON` writes them (upstream's
    /// table order, with this project's keys next to their relatives).
    ///
    /// Adding a key: add the property (with its default) to `ServiceConfig` or a
    /// nested struct, then one entry here. Merging, environment overrides,
    /// validation, unknown-key warnings and rendering all follow from this list. Rules
    /// that relate several keys are in `Relations.all`.
    static let all: [ConfigKey] = [
        .integer("port", env: "PORT", \.port, in: Limits.port),
        .string("host", env: "HOST", \.host, check: Rules.nonEmpty),
        .integer("workers", env: "WORKERS", \.workers, in: 0...1024),
        .string("logLevel", env: "LOG_LEVEL", \.logLevel, check: Rules.logLevel),
        .boolean("logToFile", env: "LOG_TO_FILE", \.logToFile),
        .string("logFilename", env: "LOG_FILENAME", \.logFilename),
        .string("redisStreamPrefix", env: "REDIS_STREAM_PREFIX", \.redisStreamPrefix, check: Rules.nonEmpty),
        .integer("redisStreamReadCount", env: "REDIS_STREAM_READ_COUNT", \.redisStreamReadCount, in: 1...Int.max),
        .integer("redisStreamReadBlockMs", env: "REDIS_STREAM_READ_BLOCK_MS", \.redisStreamReadBlockMs, in: 1...600_000),
        .stringList("jwtAlgorithms", env: nil, \.jwtAlgorithms, check: Rules.jwtAlgorithms),
        .string("jwtSecret", env: "JWT_SECRET", \.jwtSecret, secret: true, check: Rules.jwtSecret),
        .string("jwtCookieName", env: "JWT_COOKIE_NAME", \.jwtCookieName, check: Rules.nonEmpty),
        .string("jwtChannelIdKey", env: nil, \.jwtChannelIdKey, check: Rules.nonEmpty),
        .stringList("allowedOrigins", env: "ALLOWED_ORIGINS", \.allowedOrigins),
        .integer("socketResponseTimeoutMs", env: "SOCKET_RESPONSE_TIMEOUT_MS", \.socketResponseTimeoutMs, in: Limits.positiveMs),
        .integer("pingSocketsIntervalMs", env: "PING_SOCKETS_INTERVAL_MS", \.pingSocketsIntervalMs, in: Limits.positiveMs),
        .integer("gcChannelsIntervalMs", env: "GC_CHANNELS_INTERVAL_MS", \.gcChannelsIntervalMs, in: Limits.positiveMs),
        .integer("maxSocketBufferBytes", env: "MAX_SOCKET_BUFFER_BYTES", \.maxSocketBufferBytes, in: Limits.cap),
        .integer("eventYieldBatchSize", env: "EVENT_YIELD_BATCH_SIZE", \.eventYieldBatchSize, in: 1...Int.max),
        .integer("maxConnectionsPerChannel", env: "MAX_CONNECTIONS_PER_CHANNEL", \.maxConnectionsPerChannel, in: Limits.cap),
        .integer("maxTotalConnections", env: "MAX_TOTAL_CONNECTIONS", \.maxTotalConnections, in: Limits.cap),
        .integer("handshakeTimeoutMs", env: "HANDSHAKE_TIMEOUT_MS", \.handshakeTimeoutMs, in: Limits.positiveMs),
        .integer("shutdownTimeoutMs", env: "SHUTDOWN_TIMEOUT_MS", \.shutdownTimeoutMs, in: 0...Limits.maxMs),
        .integer("workerHeartbeatTimeoutMs", env: "WORKER_HEARTBEAT_TIMEOUT_MS", \.workerHeartbeatTimeoutMs, in: 100...Limits.maxMs),
        .string("controlSocket", env: "CONTROL_SOCKET", \.controlSocket),
        .string("protocol", env: "WEBSOCKET_PROTOCOL", \.protocol, check: Rules.serviceProtocol),
        .string("previousJwtSecret", env: "PREVIOUS_JWT_SECRET", \.previousJwtSecret, secret: true, check: Rules.previousJwtSecret),
        .string("realtimeJwtCookieName", env: "REALTIME_JWT_COOKIE_NAME", \.realtimeJwtCookieName, check: Rules.nonEmpty),
        .string("realtimeChannelPrefix", env: "REALTIME_CHANNEL_PREFIX", \.realtimeChannelPrefix),
        .integer("realtimeBufferMaxMessages", env: "REALTIME_BUFFER_MAX_MESSAGES", \.realtimeBufferMaxMessages, in: 0...1_000_000),
        .integer("realtimeBufferMaxBytes", env: "REALTIME_BUFFER_MAX_BYTES", \.realtimeBufferMaxBytes, in: 0...(1 << 30)),

        .string("statsd.host", env: "STATSD_HOST", \.statsd.host, check: Rules.nonEmpty),
        .integer("statsd.port", env: "STATSD_PORT", \.statsd.port, in: Limits.port),
        .stringList("statsd.globalTags", env: "STATSD_GLOBAL_TAGS", \.statsd.globalTags),
        .integer("statsd.flushIntervalMs", env: "STATSD_FLUSH_INTERVAL_MS", \.statsd.flushIntervalMs, in: 10...Limits.maxMs),
        .string("statsd.prefix", env: "STATSD_PREFIX", \.statsd.prefix),

        .string("redis.host", env: "REDIS_HOST", \.redis.host, check: Rules.nonEmpty),
        .integer("redis.port", env: "REDIS_PORT", \.redis.port, in: Limits.port),
        .string("redis.username", env: "REDIS_USERNAME", \.redis.username),
        .string("redis.password", env: "REDIS_PASSWORD", \.redis.password, secret: true),
        .integer("redis.db", env: "REDIS_DB", \.redis.db, in: 0...Int.max),
        .boolean("redis.ssl", env: "REDIS_SSL", \.redis.ssl),
        .boolean("redis.validateHostname", env: nil, \.redis.validateHostname),
        .string("redis.tlsCaFile", env: "REDIS_TLS_CA_FILE", \.redis.tlsCaFile),
        .string("redis.tlsCertFile", env: "REDIS_TLS_CERT_FILE", \.redis.tlsCertFile),
        .string("redis.tlsKeyFile", env: "REDIS_TLS_KEY_FILE", \.redis.tlsKeyFile),
        .string("redis.tlsServerName", env: "REDIS_TLS_SERVER_NAME", \.redis.tlsServerName, check: Rules.serverName),
        .string("redis.path", env: "REDIS_PATH", \.redis.path, check: Rules.unixSocketPath),
        .stringList("redis.sentinels", env: "REDIS_SENTINELS", \.redis.sentinels, check: Rules.sentinels),
        .string("redis.sentinelMaster", env: "REDIS_SENTINEL_MASTER", \.redis.sentinelMaster),
        .string("redis.sentinelUsername", env: "REDIS_SENTINEL_USERNAME", \.redis.sentinelUsername),
        .string("redis.sentinelPassword", env: "REDIS_SENTINEL_PASSWORD", \.redis.sentinelPassword, secret: true),
    ]
}

/// Numeric ranges shared by several keys.
enum Limits {
    static let port = 1...65535
    /// Upper bound of every millisecond duration: 2^31-1 (about 24.8 days), the
    /// largest delay JavaScript timers accept, and small enough that converting to
    /// nanoseconds can never overflow.
    static let maxMs = Int(Int32.max)
    static let positiveMs = 1...maxMs
    /// Caps: 0 means no cap.
    static let cap = 0...Int.max
}
