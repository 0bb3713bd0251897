import Events
import Foundation
import Logging
import RedisStreams
import Testing
import TestSupport

@testable import Gateway

/// What the replay source fetches (range, paging, the gap rule), against a real redis-server.
@Suite struct RedisReplayRangeTests {
    let server: RedisServer
    let publisher: SupersetPublisher
    let source: RedisReplaySource

    init() throws {
        server = try RedisServer()
        publisher = try SupersetPublisher(endpoint: server.endpoint)
        source = RedisReplaySource(endpoint: server.endpoint, streamPrefix: "async-events-", threads: 1, pageSize: 3, logger: Logger(label: "test"))
        source.start()
    }

    func replay(_ channel: String, after lastID: StreamID, upTo position: StreamID) async throws -> ReplayBatch {
        try await source.replay(channel, after: lastID, upTo: position)
    }

    @Test func exactlyTheChannelsEventsAfterLastIDUpToThePosition() async throws {
        defer { source.stop(); server.stop() }
        var mine: [StreamID] = []
        for index in 0..<10 {
            mine.append(try publisher.publish(channel: "a"))
            try publisher.publishBurst(channels: ["b", "c", index % 2 == 0 ? "a" : "d"]).enumerated().forEach { offset, id in
                if offset == 2, index % 2 == 0 { mine.append(id) }
            }
        }
        let batch = try await replay("a", after: mine[2], upTo: mine[12])
        #expect(batch.events.map(\.id) == Array(mine[3...12]), "paged (3 a page), filtered, bounded by the position")
        #expect(!batch.possibleGap)
    }

    @Test func aLastIDOlderThanAnUntrimmedFirehoseIsNoGap() async throws {
        defer { source.stop(); server.stop() }
        let ids = try publisher.publishMany(channel: "a", count: 5)
        let batch = try await replay("a", after: .zero, upTo: ids.last!)
        #expect(batch.events.map(\.id) == ids)
        #expect(!batch.possibleGap, "nothing was ever trimmed: the firehose holds everything after 0-0")
    }

    @Test func aFirehoseTrimmedPastLastIDIsAPossibleGapFilledFromTheChannelStream() async throws {
        defer { source.stop(); server.stop() }
        // Explicit ids, the same in both streams, so the channel stream's part is exact.
        let old = try (0..<4).map { try publisher.publish(channel: "a", firehoseID: StreamID(milliseconds: 1_000 + $0, sequence: 0)) }
        let kept = try (0..<3).map { try publisher.publish(channel: "a", firehoseID: StreamID(milliseconds: 2_000 + $0, sequence: 0)) }
        let trimmer = RedisConnection(endpoint: server.endpoint)
        try trimmer.connect()
        defer { trimmer.close() }
        _ = try trimmer.command([Array("XTRIM".utf8), Array("async-events-full".utf8), Array("MAXLEN".utf8), Array("3".utf8)])
        let batch = try await replay("a", after: old[0], upTo: kept.last!)
        #expect(batch.possibleGap)
        #expect(batch.events.suffix(3).map(\.id) == kept, "what the firehose still holds comes from it, in its ids")
        #expect(batch.events.prefix(4).map(\.id) == old, "the channel stream fills in from last_id's millisecond (the hub drops what the client has)")
    }
}
