import Config
import Events
import Foundation
import Logging
import RedisStreams
import Testing
import TestSupport

@testable import Gateway

/// The edges of replay against a real worker and a real `redis-server`: a `last_id` the
/// firehose no longer holds, and a worker that starts before Redis is there.
@Suite(.serialized) struct ReplayEdgeIntegrationTests {
    @Test func aLastIDTheFirehoseNoLongerHoldsIsReplayedFromTheChannelStreamAndCountedOnce() async throws {
        let capture = LogCapture()
        // A history of 2 events: the replay has to go to Redis.
        let harness = try await GatewayHarness(logger: capture.logger, hub: { $0.historyMaxEvents = 2 })
        // The same explicit id in both streams keeps the channel-stream fill-in exact.
        let ids = (1...6).map { StreamID(milliseconds: 1_000 + UInt64($0), sequence: 0) }
        for entryID in ids { try harness.publisher.publish(channel: "g", firehoseID: entryID) }
        #expect(try await eventually { try await harness.worker.snapshot().firehosePosition == "\(ids[5])" })
        let admin = RedisConnection(endpoint: harness.redis.endpoint)
        try admin.connect()
        _ = try admin.command(["XTRIM", "async-events-full", "MAXLEN", "2"])
        admin.close()
        // The client saw ids[1]; the firehose now starts at ids[4].
        let client = try await harness.connect(channel: "g", lastID: ids[1])
        #expect(try await receive(client, count: 4) == Array(ids[2...]), "the channel stream fills in, the firehose follows")
        #expect(await client.silence(for: .milliseconds(200)) == nil, "nothing twice")
        let snapshot = try await harness.worker.snapshot()
        #expect(snapshot.counters["ws_replay_gap"] == 1)
        #expect(capture.lines.filter { $0.message.contains("older than the firehose holds") }.count == 1)
        await harness.shutdown()
    }

    @Test func aWorkerStartedWhileRedisIsDownReplaysOnlyOnceItHasResolvedTheFirehose() async throws {
        let redis = try RedisServer(persistence: .appendOnly)
        let earlier = try SupersetPublisher(endpoint: redis.endpoint)
        let missed = try (0..<5).map { _ in try earlier.publish(channel: "w") }
        redis.kill()
        var config = ServiceConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.jwtSecret = TestTokens.secret
        config.redis.port = redis.port
        config.redisStreamReadBlockMs = 1000
        let worker = try await GatewayWorker.start(options: GatewayOptions(config: config), logger: Logger(label: "gateway-test"))
        // The worker serves sockets while Redis is down, but cannot know the firehose's
        // position: the replay must wait for it, not start from a guess such as `$`.
        let client = try await WebSocketTestClient.connect(
            port: worker.localPort, path: "/?last_id=\(missed[1])", cookie: TestTokens.cookie(TestTokens.superset(channel: "w")))
        #expect(client.isUpgraded)
        #expect(await client.silence(for: .milliseconds(300)) == nil)
        try redis.restart()
        try await worker.firehoseReady()
        let publisher = try SupersetPublisher(endpoint: redis.endpoint)
        let live = try publisher.publish(channel: "w")
        #expect(try await receive(client, count: 4) == Array(missed[2...]) + [live])
        #expect(await client.silence(for: .milliseconds(200)) == nil, "nothing twice")
        await worker.shutdown()
        redis.stop()
    }
}
