/// Delivery latencies, in microseconds: 1 µs buckets below 10 ms, 100 µs buckets up to
/// 10 s, and an overflow bucket. Fixed memory, O(1) record, mergeable across processes.
struct LatencyHistogram: Codable, Sendable {
    private static let fineLimit: UInt64 = 10_000
    private static let coarseStep: UInt64 = 100
    private static let coarseLimit: UInt64 = 10_000_000
    private static let bucketCount = Int(fineLimit) + Int((coarseLimit - fineLimit) / coarseStep) + 1

    private(set) var buckets: [UInt32]
    private(set) var count: UInt64 = 0
    private(set) var maxMicros: UInt64 = 0

    init() {
        buckets = Array(repeating: 0, count: Self.bucketCount)
    }

    mutating func record(micros: UInt64) {
        buckets[Self.index(micros)] &+= 1
        count += 1
        if micros > maxMicros { maxMicros = micros }
    }

    mutating func merge(_ other: LatencyHistogram) {
        for index in other.buckets.indices where other.buckets[index] > 0 { buckets[index] &+= other.buckets[index] }
        count += other.count
        maxMicros = max(maxMicros, other.maxMicros)
    }

    /// The smallest bucket value at or below which a fraction `q` of the samples lie.
    func percentile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = UInt64((Double(count) * q).rounded(.up))
        var seen: UInt64 = 0
        for index in buckets.indices {
            seen += UInt64(buckets[index])
            if seen >= max(1, rank) { return Double(min(Self.value(index), maxMicros)) }
        }
        return Double(maxMicros)
    }

    private static func index(_ micros: UInt64) -> Int {
        if micros < fineLimit { return Int(micros) }
        if micros < coarseLimit { return Int(fineLimit) + Int((micros - fineLimit) / coarseStep) }
        return bucketCount - 1
    }

    private static func value(_ index: Int) -> UInt64 {
        if index < Int(fineLimit) { return UInt64(index) }
        return fineLimit + UInt64(index - Int(fineLimit)) * coarseStep + coarseStep - 1
    }

    // Sparse on the wire: only non-empty buckets, as [index, count] pairs.
    private enum CodingKeys: String, CodingKey { case sparse, count, maxMicros }

    init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        for pair in try container.decode([[UInt64]].self, forKey: .sparse) where pair.count == 2 && Int(pair[0]) < buckets.count {
            buckets[Int(pair[0])] = UInt32(pair[1])
        }
        count = try container.decode(UInt64.self, forKey: .count)
        maxMicros = try container.decode(UInt64.self, forKey: .maxMicros)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let sparse = buckets.indices.filter { buckets[$0] > 0 }.map { [UInt64($0), UInt64(buckets[$0])] }
        try container.encode(sparse, forKey: .sparse)
        try container.encode(count, forKey: .count)
        try container.encode(maxMicros, forKey: .maxMicros)
    }
}
