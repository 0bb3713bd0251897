/// SplitMix64: a small deterministic generator, so that `--seed` replays a run's choices
/// (which channels, which clients, which faults in which order).
struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(below bound: Int) -> Int {
        Int.random(in: 0..<bound, using: &self)
    }

    /// Seconds, uniformly in `range`.
    mutating func seconds(in range: ClosedRange<Double>) -> Double {
        Double.random(in: range, using: &self)
    }

    /// `count` distinct elements, in random order.
    mutating func sample<T>(_ elements: [T], count: Int) -> [T] {
        Array(elements.shuffled(using: &self).prefix(count))
    }
}
