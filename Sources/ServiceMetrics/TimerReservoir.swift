import IPC

/// Algorithm R: a uniform sample of at most `capacity` values from a stream.
struct TimerReservoir {
    let capacity: Int
    private(set) var samples = TimerSamples()
    private var generator = SystemRandomNumberGenerator()

    init(capacity: Int) {
        self.capacity = capacity
    }

    mutating func record(_ valueMs: Double) {
        samples.count += 1
        if samples.valuesMs.count < capacity {
            samples.valuesMs.append(valueMs)
        } else {
            let slot = Int.random(in: 0..<Int(samples.count), using: &generator)
            if slot < capacity { samples.valuesMs[slot] = valueMs }
        }
    }

    /// Returns the interval's samples and starts a new interval.
    mutating func drain() -> TimerSamples {
        defer { samples = TimerSamples() }
        return samples
    }
}

import Synchronization

/// Collects the timer samples that workers' heartbeats carry, until the StatsD reporter
/// takes them.
public final class TimerSampleInbox: Sendable {
    private let samples = Mutex<[String: TimerSamples]>([:])

    public init() {}

    public func add(_ timers: [String: TimerSamples]) {
        samples.withLock { table in
            for (name, value) in timers { table[name, default: TimerSamples()].merge(value) }
        }
    }

    public func drain() -> [String: TimerSamples] {
        samples.withLock { table in
            defer { table = [:] }
            return table
        }
    }
}
