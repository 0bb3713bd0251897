import MonotonicTime

/// A point on the monotonic clock by which an I/O operation must finish, or never.
struct Deadline: Sendable {
    /// nil: no limit.
    let nanoseconds: UInt64?

    static let never = Deadline(nanoseconds: nil)

    static func after(milliseconds: Int) -> Deadline {
        Deadline(nanoseconds: MonotonicClock.nanoseconds() &+ UInt64(max(0, milliseconds)) &* 1_000_000)
    }

    var hasPassed: Bool {
        guard let nanoseconds else { return false }
        return MonotonicClock.nanoseconds() >= nanoseconds
    }

    /// The timeout argument for `poll()`: -1 for never, else the remaining milliseconds
    /// rounded up (so a poll never returns just before the deadline and spins).
    var pollTimeout: Int32 {
        guard let nanoseconds else { return -1 }
        let now = MonotonicClock.nanoseconds()
        guard nanoseconds > now else { return 0 }
        let milliseconds = (nanoseconds - now + 999_999) / 1_000_000
        return Int32(clamping: milliseconds)
    }
}
