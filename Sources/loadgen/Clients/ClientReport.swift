/// One client process's figures (or several merged): what the driver reads.
struct ClientReport: Codable, Sendable {
    var attempted = 0
    var upgraded = 0
    var refused = 0
    var failed = 0
    var dropped = 0
    var messages = 0
    var bytes = 0
    var pings = 0
    var expected = 0
    /// Upgraded connections that received exactly / fewer / more than `expected` messages.
    var exact = 0
    var short = 0
    var excess = 0
    /// Messages missing over all short connections.
    var missing = 0
    var firstConnectNs: UInt64 = 0
    var lastUpgradeNs: UInt64 = 0
    var firstMessageNs: UInt64 = 0
    var lastMessageNs: UInt64 = 0
    /// When the last connection reached `expected` (0: not all did).
    var completeNs: UInt64 = 0
    var latency = LatencyHistogram()

    mutating func merge(_ other: ClientReport) {
        attempted += other.attempted
        upgraded += other.upgraded
        refused += other.refused
        failed += other.failed
        dropped += other.dropped
        messages += other.messages
        bytes += other.bytes
        pings += other.pings
        exact += other.exact
        short += other.short
        excess += other.excess
        missing += other.missing
        firstConnectNs = Self.earliest(firstConnectNs, other.firstConnectNs)
        firstMessageNs = Self.earliest(firstMessageNs, other.firstMessageNs)
        lastUpgradeNs = max(lastUpgradeNs, other.lastUpgradeNs)
        lastMessageNs = max(lastMessageNs, other.lastMessageNs)
        completeNs = completeNs == 0 || other.completeNs == 0 ? 0 : max(completeNs, other.completeNs)
        latency.merge(other.latency)
    }

    static func merged(_ reports: [ClientReport]) -> ClientReport {
        guard var total = reports.first else { return ClientReport() }
        for report in reports.dropFirst() { total.merge(report) }
        return total
    }

    private static func earliest(_ a: UInt64, _ b: UInt64) -> UInt64 {
        a == 0 ? b : b == 0 ? a : min(a, b)
    }
}
