/// What the configuration decides for one generation of workers. Produced by
/// ``SupervisorOptions/loadSettings`` at start and again at every reload, so a reload
/// can change any of it.
public struct SupervisorSettings: Sendable, Equatable {
    /// The effective configuration as JSON, handed verbatim to every worker in `start`.
    public var configJSON: String
    /// Worker processes in the generation (at least 1).
    public var workerCount: Int
    /// A worker silent for longer than this is killed and replaced.
    public var workerHeartbeatTimeoutMs: Int
    /// How long workers may drain on `SIGTERM` (and old workers after a reload).
    public var shutdownTimeoutMs: Int
    /// The Redis reader's `XREAD BLOCK` time: a reader that has not come back for longer
    /// than this plus ``SupervisorOptions/readerProgressMarginMs`` is hung.
    public var redisStreamReadBlockMs: Int
    /// When set, the supervisor binds the listening sockets itself (one `SO_REUSEPORT`
    /// socket per slot, see `ListenerPool`) and passes each worker its slot's socket as
    /// fd 4 with `--listen-fd 4`; reloads and respawns then lose no queued connection.
    /// `nil`: every worker binds its own socket. Ignored under socket activation.
    public var listenAddress: ListenAddress?

    public init(
        configJSON: String,
        workerCount: Int,
        workerHeartbeatTimeoutMs: Int,
        shutdownTimeoutMs: Int,
        redisStreamReadBlockMs: Int,
        listenAddress: ListenAddress? = nil
    ) {
        self.configJSON = configJSON
        self.workerCount = workerCount
        self.workerHeartbeatTimeoutMs = workerHeartbeatTimeoutMs
        self.shutdownTimeoutMs = shutdownTimeoutMs
        self.redisStreamReadBlockMs = redisStreamReadBlockMs
        self.listenAddress = listenAddress
    }

    /// Problems that make the settings unusable (the loader validates the config itself).
    func validationError() -> String? {
        if workerCount < 1 { return "workers must be at least 1 (got \(workerCount))" }
        if workerHeartbeatTimeoutMs < 1 { return "workerHeartbeatTimeoutMs must be positive" }
        if shutdownTimeoutMs < 0 { return "shutdownTimeoutMs must not be negative" }
        if redisStreamReadBlockMs < 0 { return "redisStreamReadBlockMs must not be negative" }
        if let port = listenAddress?.port, !(0...65_535).contains(port) { return "port \(port) is out of range" }
        return nil
    }
}
