import Foundation
import IPC
import MonotonicTime

/// Milliseconds on `CLOCK_MONOTONIC`, the clock the supervisor uses too.
func nowMs() -> Int64 { MonotonicClock.milliseconds() }

/// Polls `probe` until it returns a value or `timeoutMs` passes: the tests wait for
/// conditions, never for fixed times.
func eventually<T>(timeoutMs: Int64, pollMs: Int = 20, _ probe: () throws -> T?) async rethrows -> T? {
    let deadline = nowMs() + timeoutMs
    while true {
        if let value = try probe() { return value }
        if nowMs() >= deadline { return nil }
        try? await Task.sleep(for: .milliseconds(pollMs))
    }
}

/// Polls `condition` until it holds or `timeoutMs` passes.
func eventually(timeoutMs: Int64, pollMs: Int = 20, _ condition: () throws -> Bool) async rethrows -> Bool {
    try await eventually(timeoutMs: timeoutMs, pollMs: pollMs) { try condition() ? true : nil } ?? false
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
