/// A point-in-time view of the process tree, for the status command.
public struct SupervisorSnapshot: Sendable, Codable, Equatable {
    public struct Worker: Sendable, Codable, Equatable {
        public var pid: Int32
        public var generation: Int
        public var index: Int
        /// `booting`, `ready`, `draining`, `stopping`, `condemned` or `killed`.
        public var phase: String
        /// Wall clock, ms since the Unix epoch.
        public var startedAtEpochMs: Int64
        /// Age of the last message from the worker.
        public var lastHeartbeatAgeMs: Int64
        public var connections: Int
        public var channels: Int
        public var redisState: String?
        public var readerProgressAgeMs: Int64?
        public var firehoseLastID: String?
        /// Restarts of this worker's slot so far.
        public var restarts: Int
    }

    public struct Totals: Sendable, Codable, Equatable {
        public var workers: Int
        public var connections: Int
        public var channels: Int
        public var restarts: Int
        /// Service-wide counters summed over every worker that ever ran (see `Heartbeat.counters`).
        public var counters: [String: Int64]
    }

    /// `starting`, `running`, `reloading`, `stopping` or `stopped`.
    public var state: String
    public var supervisorPID: Int32
    /// The serving generation.
    public var generation: Int
    public var statusLine: String
    /// Why the last reload was rejected, until a reload succeeds.
    public var lastReloadError: String?
    public var workers: [Worker]
    public var totals: Totals

    static let initial = SupervisorSnapshot(
        state: "starting", supervisorPID: 0, generation: 0, statusLine: "starting",
        lastReloadError: nil, workers: [],
        totals: Totals(workers: 0, connections: 0, channels: 0, restarts: 0, counters: [:])
    )
}
