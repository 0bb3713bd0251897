import Foundation
import RedisStreams
import TestSupport

/// The scenarios, each measured the same way on whichever server it is given.
/// Every wait is bounded by `sizes.waitTimeout`; a scenario that breaks throws, and the
/// driver records it as broken instead of as a number.
struct Scenarios {
    let executable: String
    let sizes: BenchSizes
    let directory: String
    let redis: RedisEndpoint
    /// The port of that Redis on 127.0.0.1 (for `redis-cli`).
    let redisPort: Int

    private func fleet(_ server: BenchServer, label: String, connections: Int, channels: Int, expect: Int = 0,
                       lastID: String? = nil, inFlight: Int = 256) throws -> ClientFleet {
        guard server.settle(timeout: sizes.waitTimeout) else {
            throw failure("\(server.label) \(label): the server did not settle (sockets left, or workers not ready)")
        }
        let plan = ClientFleet.Plan(
            port: server.port, connections: connections, processes: sizes.clientProcesses, channels: channels,
            expect: expect, lastID: lastID, inFlight: inFlight, deadline: sizes.waitTimeout * 3)
        let fleet = try ClientFleet(executable: executable, plan: plan, directory: directory, label: "\(server.label)-\(label)")
        try fleet.waitPrepared(timeout: sizes.waitTimeout)
        return fleet
    }

    private func seconds(_ from: UInt64, _ to: UInt64) -> Double {
        to > from ? Double(to - from) / 1e9 : .nan
    }

    // MARK: 1, 2, 7: idle connections, handshakes, balance

    struct Idle {
        var handshakesPerSecond: Double
        var rssPerConnection: Double
        var kernelPerConnection: Double
        var balance: Double
        /// Server CPU time per handshake (µs): what the handshake costs, whatever the load.
        var cpuMicrosPerHandshake: Double
        var perWorker: [Int]
        var upgraded: Int
        var details: [String: Double]
    }

    func idle(_ server: BenchServer) throws -> Idle {
        let n = sizes.idleConnections
        guard server.settle(timeout: sizes.waitTimeout) else { throw failure("\(server.label): sockets of an earlier scenario never closed") }
        let rssBefore = ProcessMemory.rssBytes(server.pids)
        let slabBefore = ProcessMemory.kernelSlabBytes()
        let usageBefore = ProcessUsage.of(server.pids)
        let clients = try fleet(server, label: "idle", connections: n, channels: n)
        defer { clients.finish() }
        try clients.waitConnected(timeout: sizes.waitTimeout)
        let usage = ProcessUsage.of(server.pids) - usageBefore
        let report = try clients.report()
        guard report.upgraded == n else { throw failure("\(server.label): \(report.upgraded) of \(n) connections upgraded (\(report.refused) refused, \(report.failed) failed)") }
        guard let perWorker = server.waitForSockets(n, timeout: sizes.waitTimeout) else { throw failure("\(server.label): the server never counted \(n) sockets") }
        let rssAfter = ProcessMemory.rssBytes(server.pids)
        let slabAfter = ProcessMemory.kernelSlabBytes()
        let duration = seconds(report.firstConnectNs, report.lastUpgradeNs)
        return Idle(
            handshakesPerSecond: Double(n) / duration,
            rssPerConnection: Double(rssAfter - rssBefore) / Double(n),
            // Both ends of every loopback connection are in the slab: half is the server's.
            kernelPerConnection: Double(slabAfter - slabBefore) / Double(n) / 2,
            balance: Double(perWorker.max() ?? 0) / Double(max(1, perWorker.min() ?? 1)),
            cpuMicrosPerHandshake: usage.cpuSeconds * 1e6 / Double(n),
            perWorker: perWorker, upgraded: report.upgraded,
            details: [
                "connections": Double(n), "handshakeSeconds": duration,
                "rssBeforeBytes": Double(rssBefore), "rssAfterBytes": Double(rssAfter),
                "slabBeforeBytes": Double(slabBefore), "slabAfterBytes": Double(slabAfter),
                "perWorkerMax": Double(perWorker.max() ?? 0), "perWorkerMin": Double(perWorker.min() ?? 0),
                "serverCPUSecondsForHandshakes": usage.cpuSeconds,
            ])
    }

    // MARK: 3: firehose throughput (ours only)

    struct Firehose {
        var eventsPerSecond: Double
        var publishPerSecond: Double
        /// Server CPU (utime+stime of every service process) per event, in µs: what the
        /// whole host pays for one firehose event, robust to a shared machine.
        var cpuMicrosPerEvent: Double
        var lossless: Bool
        var details: [String: Double]
    }

    /// One shape of the firehose scenario: how many sockets over how many channels, how
    /// many events, and how they are published.
    struct FirehoseShape {
        enum Publishing {
            /// `Publisher` pipelining this many events per round trip.
            case pipelined(Int)
            /// `redis-cli --pipe` on a file written beforehand (upstream's measurement).
            case redisCLIPipe
        }

        var label: String
        var channels: Int
        var sockets: Int
        var events: Int
        var publishing: Publishing
    }

    /// The suite's own shape: sockets over many channels, published by `Publisher`.
    var firehoseShape: FirehoseShape {
        FirehoseShape(label: "firehose", channels: sizes.firehoseChannels, sockets: sizes.firehoseSockets,
                      events: sizes.firehoseEvents, publishing: .pipelined(sizes.firehosePipeline))
    }

    /// The shape upstream's Node server was measured with: one socket per channel,
    /// Superset-shaped events written with `redis-cli --pipe`.
    var upstreamFirehoseShape: FirehoseShape {
        FirehoseShape(label: "firehose-upstream", channels: sizes.upstreamChannels, sockets: sizes.upstreamChannels,
                      events: sizes.upstreamEvents, publishing: .redisCLIPipe)
    }

    func firehose(_ server: OurServer, shape: FirehoseShape) throws -> Firehose {
        let perChannel = shape.events / shape.channels
        let events = perChannel * shape.channels
        let plan = Publisher.Plan(count: events, channels: shape.channels, pipeline: 1)
        let pipeFile = "\(directory)/\(shape.label).resp"
        if case .redisCLIPipe = shape.publishing { try PipeFile.write(plan, to: pipeFile) }
        defer { try? FileManager.default.removeItem(atPath: pipeFile) }
        let clients = try fleet(server, label: shape.label, connections: shape.sockets, channels: shape.channels, expect: perChannel)
        defer { clients.finish() }
        try clients.waitConnected(timeout: sizes.waitTimeout)
        try expectUpgraded(clients, shape.sockets, server: server, label: shape.label)
        guard server.waitForSockets(shape.sockets, timeout: sizes.waitTimeout) != nil else { throw failure("\(shape.label): the server never counted all sockets") }
        let usageBefore = ProcessUsage.of(server.pids)
        let published: (startNs: UInt64, endNs: UInt64)
        switch shape.publishing {
        case .pipelined(let pipeline):
            let publisher = try Publisher(endpoint: redis)
            defer { publisher.close() }
            var pipelined = plan
            pipelined.pipeline = pipeline
            let report = try publisher.run(pipelined)
            published = (report.startNs, report.endNs)
        case .redisCLIPipe:
            published = try PipeFile.pipe(pipeFile, port: redisPort)
        }
        let completed = (try? clients.waitComplete(timeout: sizes.waitTimeout)) != nil
        let usage = ProcessUsage.of(server.pids) - usageBefore
        let report = try clients.report()
        let lossless = completed && report.missing == 0 && report.excess == 0 && report.dropped == 0
        return Firehose(
            eventsPerSecond: Double(events) / seconds(published.startNs, report.lastMessageNs),
            publishPerSecond: Double(events) / seconds(published.startNs, published.endNs),
            cpuMicrosPerEvent: usage.cpuSeconds * 1e6 / Double(events),
            lossless: lossless,
            details: [
                "events": Double(events), "channels": Double(shape.channels), "sockets": Double(shape.sockets),
                "messages": Double(report.messages),
                "missing": Double(report.missing), "excess": Double(report.excess), "dropped": Double(report.dropped),
                "publishSeconds": seconds(published.startNs, published.endNs),
                "deliverySeconds": seconds(published.startNs, report.lastMessageNs),
                "latencyP99Ms": (report.latency.percentile(0.99) ?? .nan) / 1000,
                "serverCPUSeconds": usage.cpuSeconds, "serverWriteSyscalls": Double(usage.writeSyscalls),
            ])
    }

    // MARK: 4: broadcast

    struct Broadcast {
        var deliveriesPerSecond: Double
        /// Server CPU time per delivery (ns).
        var cpuNanosPerDelivery: Double
        var details: [String: Double]
    }

    func broadcast(_ server: BenchServer) throws -> Broadcast {
        let k = sizes.broadcastEvents
        let clients = try fleet(server, label: "broadcast", connections: sizes.broadcastSockets, channels: 1, expect: k)
        defer { clients.finish() }
        try clients.waitConnected(timeout: sizes.waitTimeout)
        try expectUpgraded(clients, sizes.broadcastSockets, server: server, label: "broadcast")
        guard server.waitForSockets(sizes.broadcastSockets, timeout: sizes.waitTimeout) != nil else { throw failure("broadcast: the server never counted all sockets") }
        let usageBefore = ProcessUsage.of(server.pids)
        let startNs: UInt64
        if let ceiling = server as? CeilingTarget {
            startNs = try ceiling.command("broadcast \(k)", timeout: sizes.waitTimeout).startNs
        } else {
            let publisher = try Publisher(endpoint: redis)
            defer { publisher.close() }
            startNs = try publisher.run(.init(count: k, channels: 1, pipeline: k)).startNs
        }
        try clients.waitComplete(timeout: sizes.waitTimeout)
        let usage = ProcessUsage.of(server.pids) - usageBefore
        let report = try clients.report()
        let expected = k * sizes.broadcastSockets
        guard report.messages == expected else { throw failure("\(server.label) broadcast: \(report.messages) of \(expected) deliveries") }
        let duration = seconds(startNs, report.lastMessageNs)
        return Broadcast(
            deliveriesPerSecond: Double(expected) / duration,
            cpuNanosPerDelivery: usage.cpuSeconds * 1e9 / Double(expected),
            details: ["sockets": Double(sizes.broadcastSockets), "events": Double(k), "seconds": duration,
                      "serverCPUSeconds": usage.cpuSeconds, "serverWriteSyscalls": Double(usage.writeSyscalls),
                      "latencyP50Ms": (report.latency.percentile(0.5) ?? .nan) / 1000])
    }

    // MARK: 5: latency under a steady rate

    struct Latency {
        var p50Ms: Double
        var p99Ms: Double
        var p999Ms: Double
        var details: [String: Double]
    }

    func latency(_ server: BenchServer) throws -> Latency {
        let n = sizes.latencyConnections
        let perConnection = max(1, sizes.latencyEvents / n)
        let events = perConnection * n
        let clients = try fleet(server, label: "latency", connections: n, channels: n, expect: perConnection)
        defer { clients.finish() }
        try clients.waitConnected(timeout: sizes.waitTimeout)
        try expectUpgraded(clients, n, server: server, label: "latency")
        guard server.waitForSockets(n, timeout: sizes.waitTimeout) != nil else { throw failure("latency: the server never counted all sockets") }
        let paceTimeout = Double(events) / sizes.latencyRate + sizes.waitTimeout
        if let ceiling = server as? CeilingTarget {
            _ = try ceiling.paced(perSocket: perConnection, perSecond: sizes.latencyRate, timeout: paceTimeout)
        } else {
            let publisher = try Publisher(endpoint: redis)
            defer { publisher.close() }
            _ = try publisher.run(.init(count: events, channels: n, pipeline: 1, rate: sizes.latencyRate))
        }
        let completed = (try? clients.waitComplete(timeout: sizes.waitTimeout)) != nil
        let report = try clients.report()
        guard report.latency.count > 0 else { throw failure("\(server.label) latency: nothing received") }
        return Latency(
            p50Ms: (report.latency.percentile(0.5) ?? .nan) / 1000,
            p99Ms: (report.latency.percentile(0.99) ?? .nan) / 1000,
            p999Ms: (report.latency.percentile(0.999) ?? .nan) / 1000,
            details: ["connections": Double(n), "events": Double(events), "received": Double(report.messages),
                      "complete": completed ? 1 : 0, "maxMs": Double(report.latency.maxMicros) / 1000])
    }

    // MARK: 6: reconnect storm (ours only)

    struct Storm {
        var seconds: Double
        var details: [String: Double]
    }

    func storm(_ server: OurServer) throws -> Storm {
        let publisher = try Publisher(endpoint: redis)
        defer { publisher.close() }
        let lastID = try publisher.newestFirehoseID()
        let behind = sizes.stormBehind * sizes.stormChannels
        let published = try publisher.run(.init(count: behind, channels: sizes.stormChannels, pipeline: 500))
        // The workers must have read what the clients missed before they come back.
        guard try server.service.waitForStatus(timeout: sizes.waitTimeout, { status in
            status.workers.allSatisfy { $0.firehoseLastID == published.lastID }
        }) != nil else { throw failure("storm: the workers never reached \(published.lastID)") }
        let perSocket = sizes.stormBehind
        let clients = try fleet(server, label: "storm", connections: sizes.stormClients, channels: sizes.stormChannels,
                                expect: perSocket, lastID: lastID, inFlight: sizes.stormClients)
        defer { clients.finish() }
        try clients.waitComplete(timeout: sizes.waitTimeout)
        let report = try clients.report()
        guard report.missing == 0, report.excess == 0 else { throw failure("storm: \(report.missing) missing, \(report.excess) connections with extra events") }
        let duration = seconds(report.firstConnectNs, report.completeNs)
        return Storm(seconds: duration, details: [
            "clients": Double(sizes.stormClients), "channels": Double(sizes.stormChannels), "eventsBehind": Double(perSocket),
            "firehoseEventsBehind": Double(behind), "handshakeSeconds": seconds(report.firstConnectNs, report.lastUpgradeNs),
        ])
    }

    private func expectUpgraded(_ clients: ClientFleet, _ n: Int, server: BenchServer, label: String) throws {
        let report = try clients.report()
        guard report.upgraded == n else {
            throw failure("\(server.label) \(label): \(report.upgraded) of \(n) upgraded (\(report.refused) refused, \(report.failed) failed)")
        }
    }

    private func failure(_ text: String) -> ChildProcess.Failure {
        ChildProcess.Failure(text)
    }
}
