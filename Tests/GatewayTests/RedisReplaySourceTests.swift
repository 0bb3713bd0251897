import Events
import Logging
import RedisStreams
import Testing
import TestSupport

@testable import Gateway

/// The replay source on its own, against a real `redis-server`.
@Suite(.serialized) struct RedisReplaySourceTests {
    func fetch(_ source: RedisReplaySource, channel: String, after: StreamID, upTo: StreamID) async -> Result<ReplayBatch, any Error> {
        await withCheckedContinuation { continuation in
            source.fetch(channelID: channel, after: after, upTo: upTo) { continuation.resume(returning: $0) }
        }
    }

    @Test func aReplayAfterARedisRestartSucceedsOnAFreshConnection() async throws {
        let redis = try RedisServer(persistence: .appendOnly)
        let source = RedisReplaySource(endpoint: redis.endpoint, streamPrefix: "async-events-", threads: 1, logger: Logger(label: "test"))
        source.start()
        let ids = try (0..<4).map { _ in try SupersetPublisher(endpoint: redis.endpoint).publish(channel: "r") }
        let first = try await fetch(source, channel: "r", after: ids[0], upTo: ids[3]).get()
        #expect(first.events.map(\.id) == Array(ids[1...]))
        // The replay thread's connection dies with this restart.
        try redis.restart()
        let second = try await fetch(source, channel: "r", after: ids[1], upTo: ids[3]).get()
        #expect(second.events.map(\.id) == Array(ids[2...]), "no failure (no 1013 for the client) after a restart")
        source.stop()
        #expect(source.join(timeoutMs: 2_000))
        redis.stop()
    }

    @Test func aLastIDBeyondThePositionIsCheckedAgainstTheFirehosesNewestEntry() async throws {
        let redis = try RedisServer()
        let source = RedisReplaySource(endpoint: redis.endpoint, streamPrefix: "async-events-", threads: 1, logger: Logger(label: "test"))
        source.start()
        let publisher = try SupersetPublisher(endpoint: redis.endpoint)
        let ids = try (0..<3).map { _ in try publisher.publish(channel: "r") }
        // Another worker read up to ids[2]; this one is at ids[0]: the firehose has it.
        let reached = try await fetch(source, channel: "r", after: ids[2], upTo: ids[0]).get()
        #expect(!reached.aheadOfFirehose && reached.events.isEmpty && reached.upTo == ids[0])
        // An id from another Redis, far ahead: no such entry.
        let foreign = StreamID(milliseconds: ids[2].milliseconds + 86_400_000, sequence: 0)
        let ahead = try await fetch(source, channel: "r", after: foreign, upTo: ids[0]).get()
        #expect(ahead.aheadOfFirehose && ahead.events.isEmpty)
        source.stop()
        #expect(source.join(timeoutMs: 2_000))
        redis.stop()
    }
}
