import Glibc

/// A numbered place in a generation that one worker process at a time fills.
/// When its worker dies (or is condemned), the slot is vacant until its respawn time.
struct WorkerSlot: Equatable {
    enum Occupant: Equatable {
        case worker(pid_t)
        /// Waiting for the restart backoff to elapse.
        case vacant(respawnAt: Int64)
    }

    let index: Int
    var occupant: Occupant
    /// Processes spawned for this slot so far.
    var spawns = 0
    /// Consecutive exits after a short life (see ``RestartBackoff``).
    var quickExits = 0

    init(index: Int, respawnAt: Int64) {
        self.index = index
        self.occupant = .vacant(respawnAt: respawnAt)
    }

    /// Replacements spawned for this slot so far.
    var restarts: Int { max(0, spawns - 1) }

    var pid: pid_t? {
        if case let .worker(pid) = occupant { return pid }
        return nil
    }

    /// Frees the slot after its worker lived `lifetimeMs`; returns the respawn delay.
    mutating func vacate(lifetimeMs: Int64, now: Int64, backoff: RestartBackoff) -> Int64 {
        quickExits = backoff.nextStreak(previous: quickExits, lifetimeMs: lifetimeMs)
        let delay = backoff.delayMs(quickExits: quickExits)
        occupant = .vacant(respawnAt: now + delay)
        return delay
    }
}
