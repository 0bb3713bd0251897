import Foundation
import Logging

/// Every `flushIntervalMs`, on a thread of its own, reads the service's metric totals and
/// sends what changed to StatsD. Nothing it does (DNS, a StatsD that is down) can slow
/// the supervisor's loop or the workers.
public final class StatsDReporter: @unchecked Sendable {
    // @unchecked: `report` and `sender` are used only by the reporter thread;
    // `stopping` is guarded by `condition`.
    private let intervalMs: Int
    private let totals: @Sendable () -> MetricsTotals
    private var report: StatsDReport
    private let sender: StatsDSender
    private let condition = NSCondition()
    private var stopping = false
    private var finished = false

    public init(host: String, port: Int, format: StatsDFormat, intervalMs: Int, logger: Logger, totals: @escaping @Sendable () -> MetricsTotals) {
        self.intervalMs = intervalMs
        self.totals = totals
        self.report = StatsDReport(format: format)
        self.sender = StatsDSender(host: host, port: port, logger: logger)
    }

    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "statsd"
        thread.start()
    }

    /// Flushes one last time and ends the thread.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        let deadline = Date().addingTimeInterval(2)
        while !finished, condition.wait(until: deadline) {}
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            if !stopping { _ = condition.wait(until: Date().addingTimeInterval(Double(intervalMs) / 1000)) }
            let last = stopping
            condition.unlock()
            flush()
            if last { break }
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    private func flush() {
        let lines = report.lines(for: totals())
        sender.send(StatsDPacketizer.datagrams(lines))
    }
}
