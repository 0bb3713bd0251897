import MonotonicTime

/// Polls `probe` until it returns a value or `timeoutMs` passes: for conditions another
/// process decides (its log, its `/proc` entries), where nothing can be awaited.
public func eventually<T>(timeoutMs: Int64, pollMs: Int = 20, _ probe: () throws -> T?) async rethrows -> T? {
    let deadline = MonotonicClock.milliseconds() + timeoutMs
    while true {
        if let value = try probe() { return value }
        if MonotonicClock.milliseconds() >= deadline { return nil }
        try? await Task.sleep(for: .milliseconds(pollMs))
    }
}

/// Polls `condition` until it holds or `timeoutMs` passes.
public func eventually(timeoutMs: Int64, pollMs: Int = 20, _ condition: () throws -> Bool) async rethrows -> Bool {
    try await eventually(timeoutMs: timeoutMs, pollMs: pollMs) { try condition() ? true : nil } ?? false
}
