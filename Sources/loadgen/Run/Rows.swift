/// The scenarios' outcomes, [ours, ceiling] where both are measured, turned into the table.
struct Rows {
    var idle: [Scenarios.Idle?] = [nil, nil]
    var firehose: Scenarios.Firehose?
    var upstreamFirehose: Scenarios.Firehose?
    var broadcast: [Scenarios.Broadcast?] = [nil, nil]
    var latency: [Scenarios.Latency?] = [nil, nil]
    var storm: Scenarios.Storm?

    func figures(sizes: BenchSizes) -> [Figure] {
        let n = sizes.idleConnections
        return [
            Figure(scenario: 1, name: "RSS per idle connection at \(n)", unit: "B", ours: idle[0]?.rssPerConnection,
                   ceiling: idle[1]?.rssPerConnection, target: "≤ 4 KiB", higherIsBetter: false, note: "all service processes"),
            Figure(scenario: 1, name: "kernel per connection (server's half)", unit: "B", ours: idle[0]?.kernelPerConnection,
                   ceiling: idle[1]?.kernelPerConnection, target: "–", higherIsBetter: false, note: "Slab delta ÷ 2, machine-wide"),
            Figure(scenario: 2, name: "handshakes/s with JWT", unit: "/s", ours: idle[0]?.handshakesPerSecond,
                   ceiling: idle[1]?.handshakesPerSecond, target: "≥ 15,000/s", higherIsBetter: true, note: "ceiling: no JWT"),
            Figure(scenario: 2, name: "server CPU per handshake", unit: "µs", ours: idle[0]?.cpuMicrosPerHandshake,
                   ceiling: idle[1]?.cpuMicrosPerHandshake, target: "–", higherIsBetter: false,
                   note: "utime+stime of the server's processes ÷ handshakes: robust to a shared machine"),
            Figure(scenario: 3, name: "firehose events/s, \(sizes.firehoseChannels) channels, \(sizes.firehoseSockets) sockets",
                   unit: "/s", ours: firehose?.eventsPerSecond, ceiling: nil, target: "≥ 100,000/s", higherIsBetter: true,
                   note: firehose.map(Self.firehoseNote) ?? ""),
            Figure(scenario: 3, name: "server CPU per firehose event", unit: "µs", ours: firehose?.cpuMicrosPerEvent, ceiling: nil,
                   target: "≤ 12 µs", higherIsBetter: false, note: "utime+stime of all service processes ÷ events"),
            Figure(scenario: 3, name: "firehose events/s, upstream's shape: \(sizes.upstreamChannels) channels, 1 socket each",
                   unit: "/s", ours: upstreamFirehose?.eventsPerSecond, ceiling: nil, target: "≥ 100,000/s", higherIsBetter: true,
                   note: upstreamFirehose.map(Self.firehoseNote).map { $0 + " (redis-cli --pipe)" } ?? ""),
            Figure(scenario: 3, name: "server CPU per firehose event, upstream's shape", unit: "µs", ours: upstreamFirehose?.cpuMicrosPerEvent,
                   ceiling: nil, target: "≤ 12 µs", higherIsBetter: false, note: "upstream's Node server: 31–36 µs (measured outside this repository)"),
            Figure(scenario: 4, name: "broadcast deliveries/s (\(sizes.broadcastSockets) sockets)", unit: "/s",
                   ours: broadcast[0]?.deliveriesPerSecond, ceiling: broadcast[1]?.deliveriesPerSecond,
                   target: "≥ 1,000,000/s", higherIsBetter: true),
            Figure(scenario: 4, name: "server CPU per broadcast delivery", unit: "ns", ours: broadcast[0]?.cpuNanosPerDelivery,
                   ceiling: broadcast[1]?.cpuNanosPerDelivery, target: "–", higherIsBetter: false, note: "utime+stime ÷ deliveries"),
            Figure(scenario: 5, name: "latency p50 at \(sizes.latencyConnections) conns, \(Int(sizes.latencyRate)) ev/s", unit: "ms",
                   ours: latency[0]?.p50Ms, ceiling: latency[1]?.p50Ms, target: "–", higherIsBetter: false, note: "ours: publish → receive"),
            Figure(scenario: 5, name: "latency p99", unit: "ms", ours: latency[0]?.p99Ms, ceiling: latency[1]?.p99Ms,
                   target: "≤ 2 ms", higherIsBetter: false),
            Figure(scenario: 5, name: "latency p99.9", unit: "ms", ours: latency[0]?.p999Ms, ceiling: latency[1]?.p999Ms,
                   target: "–", higherIsBetter: false),
            Figure(scenario: 6, name: "reconnect storm: \(sizes.stormClients) clients, \(sizes.stormBehind) behind", unit: "s",
                   ours: storm?.seconds, ceiling: nil, target: "≤ 2 s", higherIsBetter: false,
                   note: "\(sizes.stormChannels) channels; until every client has its events"),
            Figure(scenario: 7, name: "balance: sockets per worker, max/min", unit: "", ours: idle[0]?.balance, ceiling: nil,
                   target: "≤ 1.1", higherIsBetter: false, note: idle[0].map { "\($0.perWorker)" } ?? ""),
        ]
    }

    private static func firehoseNote(_ result: Scenarios.Firehose) -> String {
        (result.lossless ? "zero loss" : "LOSS") + String(format: "; Redis took the XADDs at %.0f/s", result.publishPerSecond)
    }
}
