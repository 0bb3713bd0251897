import IPC
/// What the supervisor knows at a flush: the service-wide counter totals (monotonic,
/// summed over every worker that ever ran, dead ones included), the gauges' current
/// sums, and the timer samples received since the previous flush.
public struct MetricsTotals: Sendable, Equatable {
    public var counters: [String: Int64]
    public var gauges: [String: Int64]
    public var timers: [String: TimerSamples]

    public init(counters: [String: Int64] = [:], gauges: [String: Int64] = [:], timers: [String: TimerSamples] = [:]) {
        self.counters = counters
        self.gauges = gauges
        self.timers = timers
    }
}

/// Turns successive totals into StatsD lines: each counter as its increase since the
/// previous flush (so nothing is counted twice and nothing a dead worker counted is
/// lost), each gauge as its current value, each timer sample with its sample rate.
public struct StatsDReport: Sendable {
    public let format: StatsDFormat
    private var sent: [String: Int64] = [:]

    public init(format: StatsDFormat) {
        self.format = format
    }

    public mutating func lines(for totals: MetricsTotals) -> [String] {
        var lines: [String] = []
        for (name, total) in totals.counters.sorted(by: { $0.key < $1.key }) {
            let delta = total - (sent[name] ?? 0)
            if delta > 0 { lines.append(format.counter(name, delta)) }
            sent[name] = max(total, sent[name] ?? 0)
        }
        for (name, value) in totals.gauges.sorted(by: { $0.key < $1.key }) {
            lines.append(format.gauge(name, value))
        }
        for (name, samples) in totals.timers.sorted(by: { $0.key < $1.key }) {
            let rate = samples.sampleRate
            for value in samples.valuesMs {
                lines.append(format.timer(name, milliseconds: value, sampleRate: rate))
            }
        }
        return lines
    }
}
