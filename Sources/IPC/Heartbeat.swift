/// Worker -> supervisor, periodically, sent from the worker's event loop: its arrival
/// proves the loop runs; its fields feed `STATUS=`, the status command and metrics.
public struct Heartbeat: Codable, Equatable, Sendable {
    /// Open WebSocket connections.
    public var connections: Int
    /// Channels with at least one socket.
    public var channels: Int
    /// The Redis reader's state, one of ``RedisState``'s raw values (a string so that a
    /// newer worker's state does not break an older supervisor's decoding).
    public var redisState: String
    /// Milliseconds since the Redis reader last returned from a blocking call (a
    /// completed `XREAD`, or a failed attempt before its retry). The supervisor treats a
    /// value above `redisStreamReadBlockMs` + a margin as a hung reader. `nil` while the
    /// reader is not running yet: nothing to judge.
    public var readerProgressAgeMs: Int64?
    /// Id of the last firehose entry the reader delivered.
    public var firehoseLastID: String
    /// Monotonic counters since the worker started (the supervisor aggregates deltas, so
    /// a restarted worker starting again at zero is fine). E.g. `ws_events_read`.
    public var counters: [String: Int64]
    /// Point-in-time values.
    public var gauges: [String: Int64]
    /// Timer samples recorded since the previous heartbeat (optional on the wire, so
    /// workers and supervisors of neighbouring versions still understand each other).
    public var timers: [String: TimerSamples]?

    public init(
        connections: Int = 0,
        channels: Int = 0,
        redisState: String = RedisState.connecting.rawValue,
        readerProgressAgeMs: Int64? = nil,
        firehoseLastID: String = "",
        counters: [String: Int64] = [:],
        gauges: [String: Int64] = [:],
        timers: [String: TimerSamples]? = nil
    ) {
        self.connections = connections
        self.channels = channels
        self.redisState = redisState
        self.readerProgressAgeMs = readerProgressAgeMs
        self.firehoseLastID = firehoseLastID
        self.counters = counters
        self.gauges = gauges
        self.timers = timers
    }
}

/// Known values of ``Heartbeat/redisState``.
public enum RedisState: String, Sendable, CaseIterable {
    case connecting
    case connected
    case failing
}

/// Well-known counter names in ``Heartbeat/counters``.
public enum HeartbeatCounter {
    /// Firehose entries read from Redis; `STATUS=` derives events/s from it.
    /// The StatsD name, as workers report it.
    public static let eventsRead = "ws_events_read"
}
