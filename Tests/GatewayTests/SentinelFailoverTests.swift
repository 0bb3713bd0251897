import Config
import Events
import Foundation
import Logging
import NIOConcurrencyHelpers
import RedisStreams
import Testing
import TestSupport

@testable import Gateway

/// A worker behind three real Sentinels follows its Redis through a failover, and
/// browsers lose nothing: a master, a replica and three `redis-sentinel`s on loopback
/// (down-after 1 s); a publisher that writes like Superset (through the Sentinels) all
/// along; one client that stays connected and one that disconnects before the failover
/// and comes back with `last_id` during it, retrying like a browser on 1013.
///
/// What "published" means: what the surviving master's firehose holds at the end.
/// Writes the old master accepted after the promotion are discarded by Redis itself
/// (asynchronous replication); those are counted, not required.
@Suite(.serialized) struct SentinelFailoverTests {
    enum Failover: CustomStringConvertible {
        case sentinelFailover, masterKilled
        var description: String { self == .sentinelFailover ? "SENTINEL FAILOVER" : "master killed (SIGKILL)" }
    }

    @Test func followsSentinelFailover() async throws {
        try await run(.sentinelFailover)
    }

    @Test func followsTheDeathOfTheMaster() async throws {
        try await run(.masterKilled)
    }

    private func run(_ failover: Failover) async throws {
        let channel = "failover"
        let cluster = try SentinelCluster(sentinelPassword: "sentinel-Secret-1")
        let oldMaster = cluster.servers[0]
        let newMaster = cluster.servers[1]
        let logs = LogCapture()
        var config = ServiceConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.jwtSecret = TestTokens.secret
        config.redisStreamReadBlockMs = 1_000
        config.redis.sentinels = cluster.sentinels.map { "\($0.host):\($0.port)" }
        config.redis.sentinelMaster = cluster.masterName
        config.redis.sentinelPassword = "sentinel-Secret-1"
        var options = GatewayOptions(config: config)
        options.hub.historyMaxEvents = 4  // Replays come from Redis (the new master), not from memory.
        let worker = try await GatewayWorker.start(options: options, logger: logs.logger)
        try await worker.firehoseReady()
        @Sendable func connect(after lastID: StreamID? = nil) async throws -> WebSocketTestClient {
            try await WebSocketTestClient.connect(
                port: worker.localPort, path: lastID.map { "/?last_id=\($0)" } ?? "/",
                cookie: TestTokens.cookie(TestTokens.superset(channel: channel)))
        }

        let stayer = Receiver(try await connect())
        var leaver: WebSocketTestClient? = try await connect()
        var leaverSeen: [StreamID] = []
        let publisher = FailoverPublisher(endpoint: cluster.endpoint, channel: channel)
        publisher.start()

        // Before: steady traffic; the leaver reads some, then goes away.
        #expect(try await eventually { publisher.written.count >= 20 })
        for _ in 0..<10 {
            leaverSeen.append(messageID(try await leaver!.nextText())!)
        }
        await leaver?.abort()
        leaver = nil
        let lastSeenByLeaver = leaverSeen.last!

        // The failover.
        let start = ContinuousClock.now
        func elapsed(_ instant: ContinuousClock.Instant) -> String {
            let ms = (instant - start).components.seconds * 1_000 + (instant - start).components.attoseconds / 1_000_000_000_000_000
            return "+\(ms) ms"
        }
        switch failover {
        case .sentinelFailover: try cluster.failover()
        case .masterKilled: oldMaster.kill()
        }
        // During: the leaver comes back while the service is still on the old master
        // (or has none), and retries on 1013 as a browser would.
        let returner = Returner(after: lastSeenByLeaver) { lastID in try await connect(after: lastID) }
        returner.start()

        let switched = try await eventually(timeout: .seconds(20)) { cluster.currentMaster()?.port == newMaster.port }
        #expect(switched, "the Sentinels never named the replica master")
        let switchedAt = ContinuousClock.now
        let newServer = "127.0.0.1:\(newMaster.port)"
        #expect(try await eventually(timeout: .seconds(20)) {
            logs.lines.contains { $0.metadata.contains("server=\(newServer)") && $0.level >= .info }
        }, "the worker never read from the new master")
        let reconnectedAt = logs.lines.first { $0.metadata.contains("server=\(newServer)") }?.at ?? .now

        // After: more traffic on the new master, then stop and take the truth.
        #expect(try await eventually(timeout: .seconds(20)) { publisher.written.filter { $0.server == newServer }.count >= 20 })
        publisher.stop()
        let truthConnection = RedisConnection(endpoint: cluster.endpoint)
        try truthConnection.connect()
        #expect(truthConnection.server == newServer)
        let truth = try SupersetPublisher.ids(of: channel, in: truthConnection)
        truthConnection.close()
        let written = publisher.written
        let survived = Set(truth)
        let discarded = written.filter { !survived.contains($0.id) }
        let beforeCount = written.filter { $0.at < start && survived.contains($0.id) }.count
        let afterCount = written.filter { $0.server == newServer && survived.contains($0.id) }.count
        #expect(beforeCount >= 20 && afterCount >= 20, "published before \(beforeCount), on the new master \(afterCount)")

        // Every surviving event reaches both clients, once, in order.
        let expectedByReturner = truth.filter { $0 > lastSeenByLeaver }
        #expect(try await eventually(timeout: .seconds(20)) {
            Set(stayer.ids).isSuperset(of: truth) && Set(returner.ids).isSuperset(of: expectedByReturner)
        }, "missing: stayer \(Set(truth).subtracting(stayer.ids).count), returner \(Set(expectedByReturner).subtracting(returner.ids).count)")
        let firstFromNewMaster = written.first { $0.server == newServer }?.id
        let firstNewDeliveredAt = stayer.arrivals.first { $0.id == firstFromNewMaster }?.at
        stayer.stop()
        returner.stop()
        for (name, ids) in [("stayer", stayer.ids), ("returner", leaverSeen + returner.ids)] {
            #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 }, "\(name): not strictly increasing (a duplicate or out of order)")
        }
        #expect(truth.filter { $0 >= leaverSeen.first! && $0 <= lastSeenByLeaver } == leaverSeen)
        let lostByStayer = Set(truth).subtracting(stayer.ids).count
        let lostByReturner = Set(expectedByReturner).subtracting(returner.ids).count
        #expect(lostByStayer == 0 && lostByReturner == 0)
        #expect(stayer.closeCode == nil, "the staying client was never disconnected")
        let phantoms = stayer.ids.filter { !survived.contains($0) }.count

        print("""
            Sentinel failover timeline (\(failover)), t0 = failover triggered:
              t0              old master 127.0.0.1:\(oldMaster.port) \(failover == .masterKilled ? "killed" : "asked to fail over")
              \(elapsed(switchedAt)) Sentinels name 127.0.0.1:\(newMaster.port) master (seen by polling)
              \(written.first { $0.server == newServer }.map { elapsed($0.at) } ?? "?") publisher writing to the new master
              \(elapsed(reconnectedAt)) worker reading the firehose from the new master
              \(firstNewDeliveredAt.map(elapsed) ?? "?") first event written to the new master delivered to the staying client
              events: \(truth.count) published and kept by Redis (\(beforeCount) before, \(afterCount) on the new master); \
            \(discarded.count) accepted by the old master after the promotion and discarded by Redis (\(phantoms) of them had been delivered)
              returning client: left after \(lastSeenByLeaver), came back with last_id at +0 ms; \
            \(returner.attempts - 1) retries (replay refused with 1013 while no master was reachable)
              events lost: staying client \(lostByStayer), returning client \(lostByReturner)
            """)
        await worker.shutdown()
        cluster.stop()
    }
}

// MARK: - Test actors

/// Publishes an event every 10 ms through the Sentinels, reconnecting on any error
/// like a Superset worker, and records where each write went.
final class FailoverPublisher: @unchecked Sendable {
    struct Write: Sendable {
        let id: StreamID
        let server: String
        let at: ContinuousClock.Instant
    }

    private let endpoint: RedisEndpoint
    private let channel: String
    private let box = NIOLockedValueBox<[Write]>([])
    private let stopper = RedisInterrupter()
    private let done = DispatchSemaphore(value: 0)

    init(endpoint: RedisEndpoint, channel: String) {
        self.endpoint = endpoint
        self.channel = channel
    }

    var written: [Write] { box.withLockedValue { $0 } }

    func start() {
        Thread { [self] in
            let connection = RedisConnection(endpoint: endpoint, responseTimeoutMs: 1_000, interrupter: stopper)
            let prefix = "async-events-"
            while !stopper.isInterrupted {
                let data = SupersetPublisher.eventJSON(channel: channel)
                do {
                    if !connection.isConnected { try connection.connect() }
                    let replies = try connection.pipeline([
                        StreamCommand.xadd(stream: prefix + channel, fields: [StreamField(name: "data", value: data)], maxlenApprox: 1_000),
                        StreamCommand.xadd(stream: prefix + "full", fields: [StreamField(name: "data", value: data)], maxlenApprox: 1_000_000),
                    ])
                    if let id = replies[1].bytes.flatMap({ StreamID(bytes: $0) }), let server = connection.server {
                        box.withLockedValue { $0.append(Write(id: id, server: server, at: .now)) }
                    } else {
                        connection.close()
                    }
                } catch {
                    connection.close()
                }
                stopper.wait(milliseconds: 10)  // The publishing pace, not a synchronisation.
            }
            connection.close()
            done.signal()
        }.start()
    }

    func stop() {
        stopper.interrupt()
        done.wait()
    }
}

/// Reads a connected client's messages in the background, with their arrival times.
final class Receiver: @unchecked Sendable {
    struct Arrival: Sendable {
        let id: StreamID
        let at: ContinuousClock.Instant
    }

    private let box = NIOLockedValueBox<(arrivals: [Arrival], close: UInt16?)>(([], nil))
    private var task: Task<Void, Never>?

    init(_ client: WebSocketTestClient) {
        task = Task { [box] in
            while !Task.isCancelled {
                guard let event = try? await client.next(timeout: .seconds(1)) else { continue }
                switch event {
                case .text(let text):
                    if let id = messageID(text) { box.withLockedValue { $0.arrivals.append(Arrival(id: id, at: .now)) } }
                case .close(let code):
                    box.withLockedValue { $0.close = code ?? 1005 }
                    return
                case .disconnected:
                    box.withLockedValue { $0.close = 1006 }
                    return
                default:
                    continue
                }
            }
            await client.abort()
        }
    }

    var arrivals: [Arrival] { box.withLockedValue { $0.arrivals } }
    var ids: [StreamID] { arrivals.map(\.id) }
    var closeCode: UInt16? { box.withLockedValue { $0.close } }

    func stop() {
        task?.cancel()
    }
}

/// A browser that comes back with `last_id` and, when closed (1013 while Redis is
/// unreachable), comes back again with the last id it saw.
final class Returner: @unchecked Sendable {
    private let box = NIOLockedValueBox<(ids: [StreamID], attempts: Int)>(([], 0))
    private let first: StreamID
    private let connect: @Sendable (StreamID) async throws -> WebSocketTestClient
    private var task: Task<Void, Never>?

    init(after lastID: StreamID, connect: @escaping @Sendable (StreamID) async throws -> WebSocketTestClient) {
        first = lastID
        self.connect = connect
    }

    var ids: [StreamID] { box.withLockedValue { $0.ids } }
    var attempts: Int { box.withLockedValue { $0.attempts } }

    func start() {
        task = Task { [box, first, connect] in
            var lastID = first
            while !Task.isCancelled {
                box.withLockedValue { $0.attempts += 1 }
                guard let client = try? await connect(lastID) else {
                    try? await Task.sleep(for: .milliseconds(100))  // A browser's retry pause.
                    continue
                }
                reading: while !Task.isCancelled {
                    guard let event = try? await client.next(timeout: .seconds(1)) else { continue }
                    switch event {
                    case .text(let text):
                        if let id = messageID(text) {
                            box.withLockedValue { $0.ids.append(id) }
                            lastID = id
                        }
                    case .close, .disconnected:
                        break reading
                    default:
                        continue
                    }
                }
                await client.abort()
                try? await Task.sleep(for: .milliseconds(100))  // A browser's retry pause.
            }
        }
    }

    func stop() {
        task?.cancel()
    }
}

extension SupersetPublisher {
    /// The firehose ids of a channel's events, read on `connection`.
    static func ids(of channel: String, in connection: RedisConnection, prefix: String = "async-events-") throws -> [StreamID] {
        try connection.xrange(stream: prefix + "full", from: .zero, to: nil, count: nil).filter { entry in
            guard case .success(let event) = EventEncoder.encode(entry) else { return false }
            return event.channelID == channel
        }.map(\.id)
    }
}
