/// What one event loop's connections saw. Confined to that loop (`@unchecked Sendable`
/// only so NIO's callbacks can carry it); read by `snapshot()` on it.
final class LoopStats: @unchecked Sendable {
    var attempted = 0
    var upgraded = 0
    var refused = 0
    var failed = 0
    /// Open connections the server closed (close frame or TCP end).
    var dropped = 0
    var messages = 0
    var bytes = 0
    var pings = 0
    /// Connections that received at least / exactly / more than `expected` messages.
    var complete = 0
    var firstConnectNs: UInt64 = 0
    var lastUpgradeNs: UInt64 = 0
    var firstMessageNs: UInt64 = 0
    var lastMessageNs: UInt64 = 0
    var completeNs: UInt64 = 0
    var latency = LatencyHistogram()
    var connections: [LoadConnection] = []
    /// Every connection of this loop has been attempted and answered (or failed).
    var connectingDone = false
    var expected = 0
    /// Called once, when every upgraded connection has received `expected` messages.
    var onComplete: (() -> Void)?

    func completeIfDone(_ now: UInt64) {
        guard expected > 0, connectingDone, completeNs == 0, upgraded > 0, complete >= upgraded else { return }
        completeNs = now
        onComplete?()
    }

    func snapshot(expected: Int) -> ClientReport {
        var exact = 0
        var short = 0
        var excess = 0
        var missing = 0
        for connection in connections where connection.wasUpgraded {
            if connection.received == expected { exact += 1 }
            else if connection.received < expected { short += 1; missing += expected - connection.received }
            else { excess += 1 }
        }
        return ClientReport(
            attempted: attempted, upgraded: upgraded, refused: refused, failed: failed, dropped: dropped,
            messages: messages, bytes: bytes, pings: pings, expected: expected,
            exact: exact, short: short, excess: excess, missing: missing,
            firstConnectNs: firstConnectNs, lastUpgradeNs: lastUpgradeNs,
            firstMessageNs: firstMessageNs, lastMessageNs: lastMessageNs, completeNs: completeNs,
            latency: latency)
    }
}
