/// The reader's health as a state machine, so that each change is reported once
/// (connected → failing → connected), not once per retry.
struct ConnectionHealth {
    enum Change: Equatable {
        /// Nothing worth a log line.
        case none
        /// The first connection since start.
        case connected
        /// Connected again after `failures` failed attempts.
        case recovered(failures: Int)
        /// The first failure after being connected (or while first connecting).
        case failing
    }

    private(set) var state: FirehoseState = .connecting
    /// Failed attempts since the last success.
    private(set) var failures = 0

    mutating func connectionSucceeded() -> Change {
        switch state {
        case .connecting:
            state = .connected
            return .connected
        case .failing:
            let count = failures
            state = .connected
            failures = 0
            return .recovered(failures: count)
        case .connected, .stopped:
            return .none
        }
    }

    mutating func attemptFailed() -> Change {
        switch state {
        case .connecting, .connected:
            state = .failing
            failures = 1
            return .failing
        case .failing:
            failures += 1
            return .none
        case .stopped:
            return .none
        }
    }

    mutating func stopped() -> Change {
        state = .stopped
        return .none
    }
}
