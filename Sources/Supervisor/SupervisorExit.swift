/// How ``Supervisor/run()`` ended: the process exit status and why.
public struct SupervisorExit: Error, Equatable, Sendable, CustomStringConvertible {
    /// 0 after a requested stop, non-zero when the service could not run.
    public var status: Int32
    public var reason: String

    public init(status: Int32, reason: String) {
        self.status = status
        self.reason = reason
    }

    /// A stop on request (`SIGTERM`, `SIGINT`, ``Supervisor/requestStop()``).
    public static let stopped = SupervisorExit(status: 0, reason: "stopped")

    /// The service could not start or keep running.
    public static func failure(_ reason: String) -> SupervisorExit {
        SupervisorExit(status: 1, reason: reason)
    }

    public var description: String { status == 0 ? reason : "\(reason) (exit status \(status))" }
}
