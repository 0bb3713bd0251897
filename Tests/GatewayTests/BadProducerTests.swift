import Events
import Foundation
import RedisStreams
import Testing
import TestSupport

@testable import Gateway

@Suite struct OncePerKindTests {
    @Test func theFirstOfAKindIsLoggedThenOnePerIntervalWithACount() {
        var throttle = OncePerKind(intervalMs: 1_000)
        #expect(throttle.admit("not JSON", at: 0) == 0)
        #expect(throttle.admit("not JSON", at: 10) == nil)
        #expect(throttle.admit("not JSON", at: 999) == nil)
        #expect(throttle.admit("not an object", at: 999) == 0, "another kind is logged at once")
        #expect(throttle.admit("not JSON", at: 1_000) == 2, "two were left out")
        #expect(throttle.admit("not JSON", at: 1_500) == nil)
        #expect(throttle.admit("not JSON", at: 2_000) == 1)
    }
}

/// Producers that write what Superset never would, against a real redis-server: each
/// kind is logged once (not once per entry), skipped, and sockets of other channels lose
/// nothing.
@Suite(.serialized) struct BadProducerTests {
    @Test func malformedEntriesAreLoggedOncePerKindAndOtherChannelsLoseNothing() async throws {
        let capture = LogCapture()
        let harness = try await GatewayHarness(logger: capture.logger)
        let bystander = try await harness.connect(channel: "bystander")
        let bad = ["not json at all", "[1, 2, 3]", "{\"channel_id\": 42}", "{\"job_id\": \"no channel\"}", "\"a string\""]
        var expected: [StreamID] = []
        for round in 0..<200 {
            for value in bad { try harness.publisher.publishRaw(fields: [StreamField(name: "data", value: value)]) }
            if round % 20 == 0 { expected.append(try harness.publisher.publish(channel: "bystander")) }
        }
        // A 1 MB channel_id is a string: valid, for a channel nobody is on.
        let hugeChannel = String(repeating: "c", count: 1 << 20)
        try harness.publisher.publishRaw(fields: [StreamField(name: "data", value: SupersetPublisher.eventJSON(channel: hugeChannel))])
        // A 10 MB entry for another channel.
        let padding = String(repeating: "x", count: 10 << 20)
        try harness.publisher.publishRaw(fields: [StreamField(name: "data", value: "{\"channel_id\": \"elsewhere\", \"padding\": \"\(padding)\"}")])
        // An entry whose first field is not called `data` is still an event (upstream takes the first field).
        try harness.publisher.publishRaw(fields: [StreamField(name: "payload", value: SupersetPublisher.eventJSON(channel: "bystander"))])
        expected.append(try harness.publisher.publish(channel: "bystander"))

        #expect(try await receive(bystander, count: expected.count + 1).filter { expected.contains($0) } == expected)
        let skips = capture.lines.filter { $0.message.contains("skipping malformed stream entry") }
        // Three kinds: not JSON; not an object (the array, the string); no string
        // channel_id (a number, none at all).
        #expect(skips.count == 3, "one line per kind, got \(skips.map(\.text))")
        let snapshot = try await harness.worker.snapshot()
        #expect(snapshot.counters["ws_malformed_entries"] == Int64(200 * bad.count))
        await harness.shutdown()
    }

    @Test func aFirehoseReplacedByAStringIsReportedOnceAndReadingResumesWhenItIsAStreamAgain() async throws {
        let capture = LogCapture()
        let harness = try await GatewayHarness(logger: capture.logger)
        let bystander = try await harness.connect(channel: "bystander")
        let first = try harness.publisher.publish(channel: "bystander")
        #expect(try await receive(bystander, count: 1) == [first])
        let admin = RedisConnection(endpoint: harness.redis.endpoint)
        try admin.connect()
        _ = try admin.command(["DEL", "async-events-full"])
        _ = try admin.command(["SET", "async-events-full", "not a stream"])
        let failing = await eventually(timeoutMs: 10_000) {
            capture.lines.contains { $0.message.contains("Redis stream reader failing") }
        }
        #expect(failing)
        _ = try admin.command(["DEL", "async-events-full"])
        let after = try harness.publisher.publish(channel: "bystander")
        #expect(try await receive(bystander, count: 1) == [after], "the reader goes on once the key is a stream again")
        let failures = capture.lines.filter { $0.message.contains("Redis stream reader failing") }
        #expect(failures.count == 1, "reported once, not once per retry")
        admin.close()
        await harness.shutdown()
    }
}
