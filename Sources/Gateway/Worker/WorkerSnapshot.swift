import IPC

/// What a worker reports in each heartbeat.
public struct WorkerSnapshot: Sendable, Equatable {
    public var connections: Int
    public var channels: Int
    public var redisState: String
    public var readerProgressAgeMs: Int64
    public var firehosePosition: String
    /// Monotonic since the worker started, by StatsD name.
    public var counters: [String: Int64]
    /// Timer samples since the previous snapshot.
    public var timers: [String: TimerSamples]
}
