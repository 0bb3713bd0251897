/// Delay before respawning a slot whose workers keep dying quickly.
///
/// The first unexpected exit is respawned at once; each further exit that follows a
/// short life doubles the delay, up to ``maxDelayMs``. A worker that lived at least
/// ``stableAfterMs`` resets the streak.
public struct RestartBackoff: Sendable, Equatable {
    public var initialDelayMs: Int64
    public var maxDelayMs: Int64
    public var stableAfterMs: Int64

    public init(initialDelayMs: Int64 = 500, maxDelayMs: Int64 = 30_000, stableAfterMs: Int64 = 30_000) {
        self.initialDelayMs = initialDelayMs
        self.maxDelayMs = maxDelayMs
        self.stableAfterMs = stableAfterMs
    }

    /// The streak after an exit: 1 when the worker had been stable, one more otherwise.
    public func nextStreak(previous: Int, lifetimeMs: Int64) -> Int {
        lifetimeMs >= stableAfterMs ? 1 : previous + 1
    }

    /// Delay before the next spawn for a streak of `quickExits` exits.
    public func delayMs(quickExits: Int) -> Int64 {
        guard quickExits > 1 else { return 0 }
        let doublings = min(quickExits - 2, 40)
        let (delay, overflow) = initialDelayMs.multipliedReportingOverflow(by: 1 << Int64(doublings))
        return overflow ? maxDelayMs : min(delay, maxDelayMs)
    }
}
