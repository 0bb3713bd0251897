import Foundation
import Logging
import MonotonicTime
import RedisStreams

/// A thread-safe list that tests can wait on: appended to from a reader thread,
/// waited for with a condition variable (no sleeps).
final class Recorder<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var elements: [Element] = []

    func append(_ element: Element) {
        append(contentsOf: [element])
    }

    func append(contentsOf newElements: [Element]) {
        condition.lock()
        elements += newElements
        condition.broadcast()
        condition.unlock()
    }

    var snapshot: [Element] {
        condition.lock()
        defer { condition.unlock() }
        return elements
    }

    /// Waits until `predicate` holds for the recorded elements; false after `timeoutMs`.
    @discardableResult
    func wait(timeoutMs: Int = 10_000, until predicate: ([Element]) -> Bool) -> Bool {
        let limit = Date(timeIntervalSinceNow: Double(timeoutMs) / 1000)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(elements) {
            if !condition.wait(until: limit) { return predicate(elements) }
        }
        return true
    }

    @discardableResult
    func wait(forCount count: Int, timeoutMs: Int = 10_000) -> Bool {
        wait(timeoutMs: timeoutMs) { $0.count >= count }
    }
}

/// Polls a condition that has no notification of its own (another process's state),
/// with a deadline. The short pause is the polling interval, not a synchronisation.
@discardableResult
func waitUntil(timeoutMs: Int = 10_000, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = MonotonicClock.nanoseconds() + UInt64(timeoutMs) * 1_000_000
    while MonotonicClock.nanoseconds() < deadline {
        if try condition() { return true }
        usleep(5_000)
    }
    return try condition()
}

/// A log line as captured by `CapturingLogHandler`.
struct LogRecord: Sendable {
    var level: Logger.Level
    var message: String
}

/// Records every log line (all levels) so tests can count what the code logged.
struct CapturingLogHandler: LogHandler {
    let records: Recorder<LogRecord>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        records.append(LogRecord(level: event.level, message: "\(event.message)"))
    }

    static func logger(_ records: Recorder<LogRecord>) -> Logger {
        Logger(label: "test") { _ in CapturingLogHandler(records: records) }
    }
}

/// A connection that is already connected (tests fail on any error).
func connected(_ endpoint: RedisEndpoint, responseTimeoutMs: Int = 5_000) throws -> RedisConnection {
    let connection = RedisConnection(endpoint: endpoint, responseTimeoutMs: responseTimeoutMs)
    try connection.connect()
    return connection
}

/// Whether a client of the server is currently blocked in `command` (from CLIENT LIST).
func someClientIsRunning(_ command: String, on endpoint: RedisEndpoint) throws -> Bool {
    let observer = try connected(endpoint)
    defer { observer.close() }
    let list = try observer.command(["CLIENT", "LIST"]).string ?? ""
    return list.contains("cmd=\(command)")
}
