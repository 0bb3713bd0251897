import Atomics
import Events

/// Where a `FirehoseReader` stands with Redis, for heartbeats and `STATUS=`.
public enum FirehoseState: UInt8, AtomicValue, Sendable, CustomStringConvertible {
    /// Started, not yet reached Redis.
    case connecting
    /// Reading.
    case connected
    /// The last attempt failed; retrying with back-off.
    case failing
    /// `stop()` was called and the thread has ended (or is about to).
    case stopped

    public var description: String {
        switch self {
        case .connecting: "connecting"
        case .connected: "connected"
        case .failing: "failing"
        case .stopped: "stopped"
        }
    }
}

/// What a `FirehoseReader` tells its observer, on the reader thread, as it happens.
public enum FirehoseEvent: Sendable, Equatable {
    case stateChanged(FirehoseState)
    /// The stream's last-generated-id was behind the last delivered id on (re)connect:
    /// Redis lost its data or was replaced. Reading restarts from `0-0`.
    case streamReset(lastDelivered: StreamID, lastGenerated: StreamID)
    /// Entries after the reader's position were trimmed before it read them. Sent after
    /// the recovered entries were delivered and before the entries read after the gap.
    case trimmed(FirehoseGap)
}
