import Events
import RedisStreams
import Testing

@testable import Gateway

/// A shared scan's paging and its cheap channel pre-filter, without Redis.
@Suite struct FirehoseScanTests {
    func entry(_ ms: UInt64, _ json: String) -> StreamEntry {
        StreamEntry(id: id(ms), fields: [StreamField(name: "data", value: json)])
    }

    func request(_ channel: String, after: StreamID, upTo: StreamID) -> ReplayRequest {
        ReplayRequest(channelID: channel, after: after, upTo: upTo, ticket: ReplayTicket()) { _ in }
    }

    @Test func aPageWithMalformedEntriesDoesNotEndTheScan() throws {
        let a = request("a", after: id(0), upTo: id(100))
        let scan = FirehoseScan([a])
        let stretch = try #require(scan.nextStretch())
        #expect(stretch == id(0).successor...id(100))
        // A full page of 3: two well-formed entries and one the parser had to skip.
        let page = StreamBatch(
            entries: [entry(1, #"{"channel_id": "a"}"#), entry(3, #"{"channel_id": "b"}"#)],
            skipped: [SkippedEntry(id: id(5), reason: "odd number of field/value items")], lastID: id(5))
        #expect(scan.consume(page, of: stretch, pageSize: 3).isEmpty)
        #expect(!scan.isFinished)
        #expect(scan.next == id(5).successor, "past the malformed entry, not stopped before it")
        let rest = try #require(scan.nextStretch())
        let done = scan.consume(StreamBatch(entries: [entry(7, #"{"channel_id": "a"}"#)], lastID: id(7)), of: rest, pageSize: 3)
        #expect(done.map(\.channelID) == ["a"] && scan.isFinished)
        #expect(a.events.map(\.id) == [id(1), id(7)])
    }

    @Test func eachSubscriberKeepsItsChannelInItsRange() throws {
        let early = request("a", after: id(1), upTo: id(4))
        let late = request("a", after: id(3), upTo: id(9))
        let other = request("b", after: id(0), upTo: id(9))
        let scan = FirehoseScan([early, late, other])
        let stretch = try #require(scan.nextStretch())
        #expect(stretch == id(0).successor...id(9))
        let page = StreamBatch(entries: (2...6).map { entry(UInt64($0), #"{"channel_id": "\#($0 % 2 == 0 ? "a" : "b")"}"#) }, lastID: id(6))
        #expect(scan.consume(page, of: stretch, pageSize: 5).map(\.upTo) == [id(4)], "the early one has everything up to its position")
        #expect(early.events.map(\.id) == [id(2), id(4)])
        #expect(late.events.map(\.id) == [id(4), id(6)])
        #expect(other.events.map(\.id) == [id(3), id(5)])
    }

    @Test func theScanReadsOnlyTheSubscribersWindows() throws {
        // a: its channel's events can only be in 10…20 and 50…60; b: in 15…30.
        let a = request("a", after: id(1), upTo: id(100))
        a.windows = [id(10)...id(20), id(50)...id(60)]
        let b = request("b", after: id(1), upTo: id(100))
        b.windows = [id(15)...id(30)]
        let scan = FirehoseScan([a, b])
        let first = try #require(scan.nextStretch())
        #expect(first == id(10)...id(30), "overlapping windows are read as one stretch")
        let page = StreamBatch(entries: [entry(12, #"{"channel_id": "a"}"#), entry(25, #"{"channel_id": "b"}"#)], lastID: id(25))
        #expect(scan.consume(page, of: first, pageSize: 10).map(\.channelID) == ["b"], "b needs nothing after 30")
        #expect(try #require(scan.nextStretch()) == id(50)...id(60), "31…49 is not read")
        let last = StreamBatch(entries: [entry(55, #"{"channel_id": "a"}"#)], lastID: id(55))
        #expect(scan.consume(last, of: id(50)...id(60), pageSize: 10).map(\.channelID) == ["a"] && scan.isFinished)
        #expect(a.events.map(\.id) == [id(12), id(55)] && b.events.map(\.id) == [id(25)])
    }

    @Test func windowsAreMergedAndClipped() {
        let merged = ReplayPlanner.merged(
            [id(30)...id(40), id(1)...id(5, .max), id(6)...id(8), id(10)...id(12), id(35)...id(90)], clippedTo: id(3)...id(80))
        #expect(merged == [id(3)...id(8), id(10)...id(12), id(30)...id(80)], "adjacent ones joined, apart ones kept")
    }

    @Test func theChannelPeekAnswersOnlyWhenItIsSure() {
        #expect(ChannelIDPeek.channelID(in: Array(#"{"channel_id": "c-1", "job_id": "x"}"#.utf8)) == "c-1")
        #expect(ChannelIDPeek.channelID(in: Array(#"{"errors": [{"channel_id": "nested"}], "channel_id": "top"}"#.utf8)) == "top")
        #expect(ChannelIDPeek.channelID(in: Array(#"{"msg": "\"channel_id\": \"fake\"", "channel_id":"real"}"#.utf8)) == "real")
        #expect(ChannelIDPeek.channelID(in: Array(#"{"channel_id": "\u0061"}"#.utf8)) == nil, "escaped: decode fully")
        #expect(ChannelIDPeek.channelID(in: Array(#"{"channel\u005fid": "a"}"#.utf8)) == nil, "an escaped key")
        #expect(ChannelIDPeek.channelID(in: Array(#"{"channel_id": "a", "channel_id": "b"}"#.utf8)) == nil, "twice")
        #expect(ChannelIDPeek.channelID(in: Array(#"{"channel_id": 7}"#.utf8)) == nil)
        #expect(ChannelIDPeek.channelID(in: Array(#"{"channel_id": "unterminated"#.utf8)) == nil)
        #expect(ChannelIDPeek.channelID(in: Array("not json".utf8)) == nil)
    }
}
