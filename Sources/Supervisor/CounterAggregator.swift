/// Sums workers' monotonic counters into service-wide totals that survive worker
/// restarts: each heartbeat contributes its delta since the same process's previous one
/// (a counter that went down belongs to a new process and counts from zero).
struct CounterAggregator {
    private(set) var totals: [String: Int64] = [:]
    private var lastSeen: [Int32: [String: Int64]] = [:]

    mutating func record(pid: Int32, counters: [String: Int64]) {
        let previous = lastSeen[pid] ?? [:]
        for (name, value) in counters {
            let before = previous[name] ?? 0
            let delta = value >= before ? value - before : value
            totals[name, default: 0] += delta
        }
        lastSeen[pid] = counters
    }

    mutating func forget(pid: Int32) {
        lastSeen[pid] = nil
    }
}

/// Per-second rate of a growing total, measured between calls.
struct RateMeter {
    private var last: (total: Int64, at: Int64)?

    /// The rate since the previous call; `nil` on the first call or when no time passed.
    mutating func rate(total: Int64, now: Int64) -> Double? {
        defer { last = (total, now) }
        guard let last, now > last.at else { return nil }
        return Double(total - last.total) * 1_000 / Double(now - last.at)
    }
}
