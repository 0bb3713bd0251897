/// Messages from the supervisor to a worker.
public enum SupervisorMessage: Equatable, Sendable {
    /// Always the first message: identity and configuration.
    case start(StartInfo)
    /// Close the listener, send close 1001 to every client, exit within `deadlineMs`
    /// (the supervisor sends `SIGKILL` a little after that).
    case drain(deadlineMs: Int)
    /// Exit now, without draining (another worker failed at boot; the service halts).
    case stop

    public var type: MessageType {
        switch self {
        case .start: .start
        case .drain: .drain
        case .stop: .stop
        }
    }
}
