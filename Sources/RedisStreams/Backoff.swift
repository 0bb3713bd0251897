/// Capped exponential back-off with jitter: 50 ms, 100 ms, … up to 5 s by default.
///
/// Each delay is drawn from [base/2, base] ("equal jitter") so that many workers that
/// lost the same Redis do not reconnect in lockstep, while the delay still grows.
struct Backoff {
    let initialMs: Int
    let maximumMs: Int
    private var baseMs: Int

    init(initialMs: Int = 50, maximumMs: Int = 5_000) {
        precondition(initialMs > 0 && maximumMs >= initialMs)
        self.initialMs = initialMs
        self.maximumMs = maximumMs
        self.baseMs = initialMs
    }

    mutating func nextDelayMs() -> Int {
        var generator = SystemRandomNumberGenerator()
        return nextDelayMs(using: &generator)
    }

    mutating func nextDelayMs(using generator: inout some RandomNumberGenerator) -> Int {
        let base = baseMs
        baseMs = min(maximumMs, base * 2)
        return base / 2 + Int.random(in: 0...(base - base / 2), using: &generator)
    }

    /// After a success: the next failure starts small again.
    mutating func reset() {
        baseMs = initialMs
    }
}
