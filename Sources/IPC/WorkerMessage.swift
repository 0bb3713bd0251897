/// Messages from a worker to the supervisor.
public enum WorkerMessage: Equatable, Sendable {
    /// Answer to ``SupervisorMessage/start(_:)``: the worker understood it.
    case hello(Hello)
    /// The worker listens and its Redis reader is connected (or retrying): count it in `READY=1`.
    case ready
    /// The worker cannot start (bad config, port in use...). It exits right after.
    /// For the first generation this stops the whole service with `reason`.
    case bootFailed(reason: String)
    /// Periodic liveness and statistics, from the worker's event loop.
    case heartbeat(Heartbeat)
    /// The worker received ``SupervisorMessage/drain(deadlineMs:)`` and closed its listener.
    case draining

    public var type: MessageType {
        switch self {
        case .hello: .hello
        case .ready: .ready
        case .bootFailed: .bootFailed
        case .heartbeat: .heartbeat
        case .draining: .draining
        }
    }
}
