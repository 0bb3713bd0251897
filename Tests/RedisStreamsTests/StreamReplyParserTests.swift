import Events
import Testing
@testable import RedisStreams

@Suite("Stream reply parsing")
struct StreamReplyParserTests {
    private func bulk(_ text: String) -> RedisReply { .bulk(Array(text.utf8)) }

    private func entry(_ id: String, _ fields: [String]) -> RedisReply {
        .array([bulk(id), .array(fields.map(bulk))])
    }

    @Test func malformedEntriesAreSkippedAndReportedWithoutLosingTheRest() throws {
        let reply = RedisReply.array([
            entry("1-0", ["data", "a"]),
            .array([bulk("2-0")]),                                     // no fields part
            entry("3-0", ["data"]),                                    // odd field count
            .array([bulk("not-an-id"), .array([bulk("data"), bulk("x")])]),
            .array([bulk("4-0"), .array([bulk("data"), .integer(1)])]), // value not bulk
            .array([bulk("5-0"), .null]),                              // deleted entry
            entry("6-0", ["data", "b", "extra", "c"]),
            .integer(7),
        ])
        let batch = try StreamReplyParser.range(reply)
        #expect(batch.entries == [
            StreamEntry(id: StreamID(milliseconds: 1, sequence: 0), fields: [StreamField(name: "data", value: "a")]),
            StreamEntry(id: StreamID(milliseconds: 6, sequence: 0), fields: [
                StreamField(name: "data", value: "b"), StreamField(name: "extra", value: "c"),
            ]),
        ])
        #expect(batch.skipped.map(\.id) == [
            nil, StreamID(milliseconds: 3, sequence: 0), nil, StreamID(milliseconds: 4, sequence: 0),
            StreamID(milliseconds: 5, sequence: 0), nil,
        ])
        #expect(batch.skipped.allSatisfy { !$0.reason.isEmpty })
        #expect(batch.lastID == StreamID(milliseconds: 6, sequence: 0))
    }

    @Test func lastIDMovesPastATrailingMalformedEntry() throws {
        let batch = try StreamReplyParser.range(.array([entry("1-0", ["d", "a"]), .array([bulk("2-5"), .null])]))
        #expect(batch.entries.count == 1)
        #expect(batch.lastID == StreamID(milliseconds: 2, sequence: 5))
    }

    @Test func xreadNilIsEmptyAndOtherStreamsAreIgnored() throws {
        #expect(try StreamReplyParser.read(.null, stream: "s") == StreamBatch())
        let reply = RedisReply.array([
            .array([bulk("other"), .array([entry("9-0", ["d", "x"])])]),
            .array([bulk("s"), .array([entry("1-1", ["d", "y"])])]),
        ])
        let batch = try StreamReplyParser.read(reply, stream: "s")
        #expect(batch.entries.map(\.id) == [StreamID(milliseconds: 1, sequence: 1)])
    }

    @Test func aWrongOuterShapeIsAProtocolError() {
        #expect(throws: RedisError.self) { try StreamReplyParser.range(.integer(1)) }
        #expect(throws: RedisError.self) { try StreamReplyParser.read(.array([.integer(1)]), stream: "s") }
    }
}
