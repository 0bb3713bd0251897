/// A point-in-time view of the process tree: what the supervisor publishes, the status
/// socket serves as JSON, and the `status` and `reload` commands read.
///
/// In a module of its own, below both `Supervisor` (which produces it) and `Control`
/// (which serves and renders it), so that neither has to import the other.
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

        public init(
            pid: Int32, generation: Int, index: Int, phase: String, startedAtEpochMs: Int64,
            lastHeartbeatAgeMs: Int64, connections: Int, channels: Int, redisState: String?,
            readerProgressAgeMs: Int64?, firehoseLastID: String?, restarts: Int
        ) {
            self.pid = pid
            self.generation = generation
            self.index = index
            self.phase = phase
            self.startedAtEpochMs = startedAtEpochMs
            self.lastHeartbeatAgeMs = lastHeartbeatAgeMs
            self.connections = connections
            self.channels = channels
            self.redisState = redisState
            self.readerProgressAgeMs = readerProgressAgeMs
            self.firehoseLastID = firehoseLastID
            self.restarts = restarts
        }
    }

    public struct Totals: Sendable, Codable, Equatable {
        public var workers: Int
        public var connections: Int
        public var channels: Int
        public var restarts: Int
        /// Service-wide counters summed over every worker that ever ran (see `Heartbeat.counters`).
        public var counters: [String: Int64]

        public init(workers: Int, connections: Int, channels: Int, restarts: Int, counters: [String: Int64]) {
            self.workers = workers
            self.connections = connections
            self.channels = channels
            self.restarts = restarts
            self.counters = counters
        }
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

    public init(
        state: String, supervisorPID: Int32, generation: Int, statusLine: String,
        lastReloadError: String?, workers: [Worker], totals: Totals
    ) {
        self.state = state
        self.supervisorPID = supervisorPID
        self.generation = generation
        self.statusLine = statusLine
        self.lastReloadError = lastReloadError
        self.workers = workers
        self.totals = totals
    }

    /// What is published before the supervisor's loop first runs.
    public static let initial = SupervisorSnapshot(
        state: "starting", supervisorPID: 0, generation: 0, statusLine: "starting",
        lastReloadError: nil, workers: [],
        totals: Totals(workers: 0, connections: 0, channels: 0, restarts: 0, counters: [:])
    )
}
