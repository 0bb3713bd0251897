/// How big each scenario is. `full` is the sizes on a 2-core machine; `smoke`
/// keeps every code path of the suite working in well under a minute.
struct BenchSizes: Codable, Sendable {
    /// Client processes (each stays under the ~20,000 open files a process may have).
    var clientProcesses: Int
    var idleConnections: Int
    var firehoseChannels: Int
    var firehoseSockets: Int
    var firehoseEvents: Int
    var firehosePipeline: Int
    /// The upstream-comparable firehose: this many channels, one socket each.
    var upstreamChannels: Int
    var upstreamEvents: Int
    var broadcastSockets: Int
    var broadcastEvents: Int
    var latencyConnections: Int
    var latencyEvents: Int
    var latencyRate: Double
    var stormClients: Int
    var stormChannels: Int
    var stormBehind: Int
    /// Seconds any one wait may take before the scenario is reported as broken.
    var waitTimeout: Double

    static let full = BenchSizes(
        clientProcesses: 2, idleConnections: 30_000,
        firehoseChannels: 10_000, firehoseSockets: 15_000, firehoseEvents: 200_000, firehosePipeline: 500,
        upstreamChannels: 1_000, upstreamEvents: 200_000,
        broadcastSockets: 10_000, broadcastEvents: 100,
        latencyConnections: 10_000, latencyEvents: 10_000, latencyRate: 1_000,
        stormClients: 10_000, stormChannels: 2_000, stormBehind: 5,
        waitTimeout: 120)

    static let smoke = BenchSizes(
        clientProcesses: 2, idleConnections: 400,
        firehoseChannels: 100, firehoseSockets: 150, firehoseEvents: 2_000, firehosePipeline: 100,
        upstreamChannels: 50, upstreamEvents: 2_000,
        broadcastSockets: 200, broadcastEvents: 20,
        latencyConnections: 200, latencyEvents: 400, latencyRate: 400,
        stormClients: 200, stormChannels: 40, stormBehind: 5,
        waitTimeout: 20)
}
