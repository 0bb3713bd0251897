/// What a timer recorded during one reporting interval: every value counted, a bounded
/// uniform sample of them kept (reservoir sampling), so StatsD gets `|@rate` lines
/// instead of one datagram per event.
public struct TimerSamples: Codable, Equatable, Sendable {
    /// How many values were recorded.
    public var count: Int64
    /// Up to `capacity` of them, in milliseconds.
    public var valuesMs: [Double]

    public init(count: Int64 = 0, valuesMs: [Double] = []) {
        self.count = count
        self.valuesMs = valuesMs
    }

    /// The fraction of recorded values that were kept.
    public var sampleRate: Double {
        count > 0 ? min(1, Double(valuesMs.count) / Double(count)) : 1
    }

    public mutating func merge(_ other: TimerSamples) {
        count += other.count
        valuesMs += other.valuesMs
    }
}

