import Events
import Foundation
import NIOCore
import RedisStreams
import Testing
import TestSupport

@testable import Gateway

/// A real worker, a real `redis-server`, real WebSocket clients over loopback.
@Suite(.serialized) struct GatewayIntegrationTests {
    @Test func deliversExactBytesForSupersetEntriesAndSkipsMalformedOnes() async throws {
        let harness = try await GatewayHarness()
        let vectors = try MessageVectors.load()
        let channel = vectors.valid[0].channelID
        let client = try await harness.connect(channel: channel)
        // Interleave every malformed value between the valid entries: each must be skipped
        // and the reader must go on.
        var invalid = vectors.invalid.makeIterator()
        for vector in vectors.valid {
            try harness.publisher.publish(channel: channel, value: vector.value, firehoseID: vector.entryID)
            if let bad = invalid.next() {
                try harness.publisher.publishRaw(fields: [StreamField(name: "data", value: bad)], id: vector.entryID.successor)
            }
        }
        for vector in vectors.valid {
            #expect(try await client.nextText() == vector.expected, "\(vector.name)")
        }
        // A last valid event, after every malformed one: once it arrives, all were read.
        let marker = try harness.publisher.publish(channel: channel)
        #expect(try await receive(client, count: 1) == [marker])
        let snapshot = try await harness.worker.snapshot()
        #expect(snapshot.counters["ws_malformed_entries"] == Int64(min(vectors.valid.count, vectors.invalid.count)))
        await harness.shutdown()
    }

    @Test func bothTabsOfAChannelReceiveAndOtherChannelsNothing() async throws {
        let harness = try await GatewayHarness()
        let tab1 = try await harness.connect(channel: "alpha")
        let tab2 = try await harness.connect(channel: "alpha")
        let other = try await harness.connect(channel: "beta")
        let sent = try harness.publisher.publish(channel: "alpha")
        #expect(try await receive(tab1, count: 1) == [sent])
        #expect(try await receive(tab2, count: 1) == [sent])
        let marker = try harness.publisher.publish(channel: "beta")
        #expect(try await receive(other, count: 1) == [marker], "beta's first message is its own, not alpha's")
        await harness.shutdown()
    }

    @Test func reconnectWithLastIDReplaysExactlyTheMissedEventsInOrder() async throws {
        let harness = try await GatewayHarness()
        let first = try await harness.connect(channel: "c1")
        let ids = try (0..<5).map { _ in try harness.publisher.publish(channel: "c1") }
        let seen = try await receive(first, count: 2)
        #expect(seen == Array(ids.prefix(2)))
        await first.abort()
        let missedWhileAway = try (0..<3).map { _ in try harness.publisher.publish(channel: "c1") }
        let again = try await harness.connect(channel: "c1", lastID: seen.last)
        let expected = Array(ids.dropFirst(2)) + missedWhileAway
        #expect(try await receive(again, count: expected.count) == expected)
        #expect(await again.silence(for: .milliseconds(200)) == nil, "nothing twice")
        await harness.shutdown()
    }

    @Test func replayIsExactWhenManyChannelsShareAMillisecond() async throws {
        for historyEvents in [20_000, 4] {  // from memory, and from Redis
            let harness = try await GatewayHarness(hub: { $0.historyMaxEvents = historyEvents })
            let channels = (0..<50).map { "burst-\($0)" }
            let watcher = try await harness.connect(channel: "burst-7")
            let round1 = try harness.publisher.publishBurst(channels: channels)
            let got = try await receive(watcher, count: 1)
            #expect(got == [round1[7]])
            await watcher.abort()
            let round2 = try harness.publisher.publishBurst(channels: channels)
            let round3 = try harness.publisher.publishBurst(channels: channels)
            let back = try await harness.connect(channel: "burst-7", lastID: got[0])
            #expect(try await receive(back, count: 2) == [round2[7], round3[7]], "history \(historyEvents)")
            #expect(try harness.publisher.firehoseIDs(channel: "burst-7") == [round1[7], round2[7], round3[7]])
            await harness.shutdown()
        }
    }

    @Test func malformedLastIDReplaysNothing() async throws {
        let harness = try await GatewayHarness()
        let earlier = try harness.publisher.publish(channel: "m")
        // Connect only once the worker has read it: else it may arrive live, correctly.
        #expect(try await eventually { try await harness.worker.snapshot().firehosePosition == "\(earlier)" })
        let client = try await harness.connect(channel: "m", rawLastID: "1607477697866-0-0")
        #expect(client.isUpgraded)
        let unexpected = await client.silence(for: .milliseconds(300))
        #expect(unexpected == nil, "\(String(describing: unexpected))")
        let live = try harness.publisher.publish(channel: "m")
        #expect(try await receive(client, count: 1) == [live])
        await harness.shutdown()
    }

    @Test func capsCloseWith1013() async throws {
        let harness = try await GatewayHarness(configure: {
            $0.maxConnectionsPerChannel = 1
            $0.maxTotalConnections = 2
        })
        let a = try await harness.connect(channel: "a")
        let a2 = try await harness.connect(channel: "a")
        #expect(try await a2.closeCode() == 1013)
        let b = try await harness.connect(channel: "b")
        let c = try await harness.connect(channel: "c")
        #expect(try await c.closeCode() == 1013)
        let sent = try harness.publisher.publish(channel: "a")
        #expect(try await receive(a, count: 1) == [sent])
        _ = b
        await harness.shutdown()
    }

    @Test func unansweredPingsTerminateTheSocket() async throws {
        let harness = try await GatewayHarness(configure: {
            $0.pingSocketsIntervalMs = 100
            $0.socketResponseTimeoutMs = 350
        })
        let silent = try await harness.connect(channel: "p", autoPong: false)
        let polite = try await harness.connect(channel: "p", autoPong: true)
        if case .ping(let payload) = try await silent.next() {
            #expect(!payload.isEmpty, "the ping carries the socket id")
        }
        try await silent.disconnected(timeout: .seconds(5))
        #expect(await polite.silence(for: .milliseconds(500)) == nil)
        let sent = try harness.publisher.publish(channel: "p")
        #expect(try await receive(polite, count: 1) == [sent])
        await harness.shutdown()
    }

    @Test func deliveryResumesWithoutLossAcrossARedisRestart() async throws {
        let harness = try await GatewayHarness(persistence: .appendOnly)
        let client = try await harness.connect(channel: "r")
        var sent = try (0..<5).map { _ in try harness.publisher.publish(channel: "r") }
        #expect(try await receive(client, count: 5) == sent)
        harness.redis.kill()
        try harness.redis.restart()
        let publisher = try SupersetPublisher(endpoint: harness.redis.endpoint)
        let after = try (0..<5).map { _ in try publisher.publish(channel: "r") }
        sent += after
        #expect(try await receive(client, count: 5) == after)
        #expect(await client.silence(for: .milliseconds(200)) == nil)
        await harness.shutdown()
    }

    @Test func slowConsumerIsClosedWith1013AndItsReconnectLosesNothing() async throws {
        let harness = try await GatewayHarness(configure: { $0.maxSocketBufferBytes = 64 * 1024 })
        let slow = try await WebSocketTestClient.connect(
            port: harness.worker.localPort, cookie: TestTokens.cookie(TestTokens.superset(channel: "slow")), receiveBufferBytes: 4096)
        try await slow.pauseReading()
        let sent = try harness.publisher.publishMany(channel: "slow", count: 3_000, padding: 2_000)
        #expect(try await eventually(timeout: .seconds(20)) {
            try await harness.worker.snapshot().counters["ws_client_backpressure_disconnect"] == 1
        })
        try await slow.resumeReading()
        var received: [StreamID] = []
        closing: while true {
            switch try await slow.next() {
            case .text(let text): received.append(messageID(text)!)
            case .close(let code):
                #expect(code == 1013)
                break closing
            case .disconnected:
                Issue.record("disconnected without a close frame")
                break closing
            default: continue
            }
        }
        #expect(received.count < sent.count, "the cap stopped the flow")
        #expect(received == Array(sent.prefix(received.count)), "what arrived is in order, without gaps")
        let again = try await harness.connect(channel: "slow", lastID: received.last)
        let rest = try await receive(again, count: sent.count - received.count)
        #expect(received + rest == sent, "the reconnect with last_id recovers everything")
        await harness.shutdown()
    }

    @Test func healthAnd404OverRealTCP() async throws {
        let harness = try await GatewayHarness()
        let health = try await WebSocketTestClient.connect(port: harness.worker.localPort, rawRequest: Array("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(health.status == 200)
        let missing = try await WebSocketTestClient.connect(port: harness.worker.localPort, rawRequest: Array("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(missing.status == 404)
        await harness.shutdown()
    }

    @Test func refusedUpgradeGetsHTTPErrorAndNoSocket() async throws {
        let harness = try await GatewayHarness(configure: { $0.allowedOrigins = ["http://superset.example"] })
        let noToken = try await WebSocketTestClient.connect(port: harness.worker.localPort, origin: "http://superset.example")
        #expect(noToken.status == 401)
        let badOrigin = try await WebSocketTestClient.connect(
            port: harness.worker.localPort, cookie: TestTokens.cookie(TestTokens.superset(channel: "x")), origin: "http://evil.example")
        #expect(badOrigin.status == 403)
        let snapshot = try await harness.worker.snapshot()
        #expect(snapshot.connections == 0)
        #expect(snapshot.counters["ws_upgrade_rejected"] == 2)
        await harness.shutdown()
    }
}

/// The shared message vectors, copied into this test target's fixtures.
struct MessageVectors {
    struct Valid {
        let name: String
        let entryID: StreamID
        let value: String
        let expected: String
        let channelID: String
    }

    let valid: [Valid]
    let invalid: [String]

    static func load() throws -> MessageVectors {
        let url = Bundle.module.url(forResource: "messages", withExtension: "json", subdirectory: "Fixtures")!
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let valid = (root["valid"] as! [[String: Any]]).map { item -> Valid in
            let value = item["value"] as! String
            let object = try! JSONSerialization.jsonObject(with: Data(value.utf8)) as! [String: Any]
            return Valid(
                name: item["name"] as! String, entryID: StreamID(redis: item["entry_id"] as! String)!, value: value,
                expected: item["expected"] as! String, channelID: object["channel_id"] as! String)
        }
        let invalid = (root["invalid_skip"] as! [[String: Any]]).map { $0["value"] as! String }
        return MessageVectors(valid: valid, invalid: invalid)
    }
}
