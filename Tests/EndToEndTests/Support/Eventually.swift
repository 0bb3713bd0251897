import MonotonicTime

/// Milliseconds on `CLOCK_MONOTONIC`, the clock the supervisor uses too.
func nowMs() -> Int64 { MonotonicClock.milliseconds() }

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
