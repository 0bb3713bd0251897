import MonotonicTime
import RedisStreams

/// Milliseconds `body` took, on the service's monotonic clock.
public func elapsedMs(_ body: () throws -> Void) rethrows -> Int {
    let start = MonotonicClock.nanoseconds()
    try body()
    return Int((MonotonicClock.nanoseconds() - start) / 1_000_000)
}

/// Stops `subject` and waits up to `joinTimeoutMs` for its threads to end: whether they
/// did, and how long the stop and the join took together (the stop-promptness tests).
public func stopAndJoin(_ subject: some ThreadLifecycle, joinTimeoutMs: Int = 5_000) -> (joined: Bool, ms: Int) {
    var joined = false
    let ms = elapsedMs {
        subject.stop()
        joined = subject.join(timeoutMs: joinTimeoutMs)
    }
    return (joined, ms)
}
