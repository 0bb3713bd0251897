import Events
import Foundation
import Logging
import NIOConcurrencyHelpers
import RedisStreams
import Testing
import TestSupport

@testable import Gateway

/// The replay source's scheduling against a real `redis-server`: queued replays share
/// one read of the firehose, a closed socket's scan stops, a short replay is not queued
/// behind long ones, and a channel with nothing new costs no scan.
@Suite(.serialized) struct CoalescedReplayTests {
    let server: RedisServer
    let publisher: SupersetPublisher
    let admin: RedisConnection

    init() throws {
        server = try RedisServer()
        publisher = try SupersetPublisher(endpoint: server.endpoint)
        admin = RedisConnection(endpoint: server.endpoint)
        try admin.connect()
    }

    func source(threads: Int = 1, pageSize: Int = 1000, producerSkewMs: UInt64 = 60_000) -> RedisReplaySource {
        RedisReplaySource(
            endpoint: server.endpoint, streamPrefix: "async-events-", threads: threads, pageSize: pageSize,
            producerSkewMs: producerSkewMs, logger: Logger(label: "test"))
    }

    /// Publishes `count` events round-robin over `channels`, pipelined; returns each
    /// event's (channel, firehose id) in firehose order.
    func publish(_ count: Int, over channels: [String]) throws -> [(channel: String, id: StreamID)] {
        var published: [(String, StreamID)] = []
        for chunk in stride(from: 0, to: count, by: 1_000) {
            let events = (chunk..<min(count, chunk + 1_000)).map { channels[$0 % channels.count] }
            let ids = try publisher.publishPipelined(events.map { ($0, SupersetPublisher.eventJSON(channel: $0)) })
            published += zip(events, ids).map { ($0, $1) }
        }
        return published
    }

    /// `calls` of one command in `INFO commandstats`.
    func calls(_ command: String) throws -> Int {
        try admin.calls(of: command)
    }

    @Test func queuedReplaysShareOneReadOfTheFirehose() async throws {
        let channels = ["a", "b", "c", "d"]
        let published = try publish(1_500, over: channels + ["noise-1", "noise-2"])
        let position = published.last!.id
        let replays = self.source()
        // 16 sockets, 4 tabs per channel, each with its own last_id, all queued before a
        // thread is free (as when a worker's replay threads are busy).
        let results = NIOLockedValueBox<[Int: [StreamID]]>([:])
        let xrangeBefore = try calls("xrange")
        var expected: [Int: [StreamID]] = [:]
        await withTaskGroup(of: Void.self) { group in
            for socket in 0..<16 {
                let channel = channels[socket % 4]
                let lastID = published[socket * 60].id
                expected[socket] = published.filter { $0.channel == channel && $0.id > lastID }.map(\.id)
                let (stream, continuation) = AsyncStream<Void>.makeStream()
                replays.fetch(channelID: channel, after: lastID, upTo: position) { result in
                    results.withLockedValue { $0[socket] = (try? result.get())?.events.map(\.id) }
                    continuation.finish()
                }
                group.addTask { for await _ in stream {} }
            }
            replays.start()
        }
        replays.stop()
        replays.join(timeoutMs: 2_000)
        for socket in 0..<16 {
            #expect(results.withLockedValue { $0[socket] } == expected[socket], "socket \(socket) got exactly its channel's events after its last_id")
        }
        let xranges = try calls("xrange") - xrangeBefore
        // One scan of 2 pages (1,500 entries, 1,000 a page), the firehose's oldest entry,
        // one skip-ahead probe per channel: 7. One scan per socket cost 16 × 3.
        #expect(replays.statistics.firehosePages == 2)
        #expect(xranges <= 7, "\(xranges) XRANGE calls for 16 queued replays")
        #expect(replays.statistics.requestsPlanned == 16)
        admin.close()
        server.stop()
    }

    @Test func aReplayReadsTheFirehoseOnlyAroundItsChannelsEvents() async throws {
        // Channel "mine": one event at 1,000,000 ms (the socket's last_id) and one at
        // 3,000,000 ms. Between them, 20,000 events of another channel, one per 100 ms.
        func add(_ channel: String, ms: UInt64, firehoseSeq: UInt64 = 0, channelStream: Bool = true) -> [[[UInt8]]] {
            let data = [StreamField(name: "data", value: SupersetPublisher.eventJSON(channel: channel, job: "\(channel)-\(ms)"))]
            var commands = [StreamCommand.xadd(stream: "async-events-full", id: StreamID(milliseconds: ms, sequence: firehoseSeq), fields: data, maxlenApprox: nil)]
            if channelStream {
                commands.insert(StreamCommand.xadd(stream: "async-events-" + channel, id: StreamID(milliseconds: ms, sequence: 0), fields: data, maxlenApprox: nil), at: 0)
            }
            return commands
        }
        _ = try admin.pipeline(add("mine", ms: 1_000_000, firehoseSeq: 1))
        for chunk in stride(from: 0, to: 20_000, by: 2_000) {
            _ = try admin.pipeline((chunk..<chunk + 2_000).flatMap { add("noise", ms: 1_000_100 + UInt64($0) * 100, channelStream: false) })
        }
        _ = try admin.pipeline(add("mine", ms: 3_000_000, firehoseSeq: 1))
        let replays = self.source(pageSize: 1_000)
        replays.start()
        defer {
            replays.stop()
            replays.join(timeoutMs: 2_000)
        }
        let (ended, continuation) = AsyncStream<Result<ReplayBatch, any Error>>.makeStream()
        _ = replays.fetch(channelID: "mine", after: StreamID(milliseconds: 1_000_000, sequence: 1), upTo: StreamID(milliseconds: 3_000_000, sequence: 1)) {
            continuation.yield($0)
            continuation.finish()
        }
        var result: Result<ReplayBatch, any Error>?
        for await value in ended { result = value }
        let batch = try #require(try result?.get())
        #expect(batch.events.map(\.id) == [StreamID(milliseconds: 3_000_000, sequence: 1)])
        // The windows: 60 s after the last_id (600 noise events, one page) and the
        // millisecond of the channel's next event (one page); the whole range is 21 pages.
        #expect(replays.statistics.firehosePages <= 3, "\(replays.statistics.firehosePages) pages")
    }

    @Test func aClosedSocketsScanStopsBetweenPages() async throws {
        _ = try publish(20_000, over: ["old"])
        // One entry a page: 20,000 round trips to go, far more than the test needs to
        // see the scan under way and close the socket.
        let replays = self.source(pageSize: 1)
        replays.start()
        let (ended, continuation) = AsyncStream<Result<ReplayBatch, any Error>>.makeStream()
        let ticket = replays.fetch(channelID: "old", after: .zero, upTo: StreamID(milliseconds: .max, sequence: 0)) {
            continuation.yield($0)
            continuation.finish()
        }
        // The scan is under way: the socket closes.
        #expect(try await eventually { replays.statistics.firehosePages >= 3 })
        let pagesAtClose = replays.statistics.firehosePages
        ticket.cancel()
        let xrangeAtClose = try calls("xrange")
        var result: Result<ReplayBatch, any Error>?
        for await ending in ended { result = ending }
        let pagesAfterClose = replays.statistics.firehosePages - pagesAtClose
        #expect(throws: ReplayCancelled.self) { try result?.get() }
        #expect(pagesAfterClose <= 1, "the scan stopped at the next page, not after \(pagesAfterClose) more")
        #expect(try calls("xrange") - xrangeAtClose <= 1, "no XRANGE after the cancellation took effect")
        #expect(replays.statistics.requestsCancelled == 1)
        replays.stop()
        replays.join(timeoutMs: 2_000)
        admin.close()
        server.stop()
    }

    @Test func aRecentReplayIsNotQueuedBehindLongScans() async throws {
        // Ten old sockets, each on a channel with events all along: each needs 400 pages.
        let old = (0..<10).map { "old-\($0)" }
        let published = try publish(20_000, over: old + ["victim"])
        let position = published.last!.id
        let replays = self.source(pageSize: 50)
        replays.start()
        let oldDone = NIOLockedValueBox(0)
        var tickets: [ReplayTicket] = []
        for channel in old {
            // One plan each: they queue as separate scans (the worst case for the victim).
            tickets.append(replays.fetch(channelID: channel, after: .zero, upTo: position) { _ in oldDone.withLockedValue { $0 += 1 } })
            #expect(try await eventually { replays.statistics.requestsPlanned == tickets.count })
        }
        let lastID = published[published.count - 500].id
        let expected = published.filter { $0.channel == "victim" && $0.id > lastID }.map(\.id)
        let pagesBefore = replays.statistics.firehosePages
        let victim = try await replays.replay("victim", after: lastID, upTo: position)
        #expect(victim.events.map(\.id) == expected)
        #expect(oldDone.withLockedValue { $0 } < old.count, "the victim's few pages interleaved with the old scans'")
        // Its 10 pages took turns with the 10 old scans': about 11 × 11 pages in all. Queued
        // behind them, it would have waited for every page they had left.
        let pagesMeanwhile = replays.statistics.firehosePages - pagesBefore
        let oldPagesLeft = old.count * 400 - pagesBefore
        #expect(pagesMeanwhile * 2 < oldPagesLeft, "\(pagesMeanwhile) pages were read while the victim waited; the old scans had \(oldPagesLeft) left")
        tickets.forEach { $0.cancel() }
        replays.stop()
        replays.join(timeoutMs: 2_000)
        admin.close()
        server.stop()
    }

    @Test func aChannelWithNothingSinceLastIDCostsNoScan() async throws {
        let silent = try publish(3, over: ["silent"])
        let busy = try publish(5_000, over: ["busy"])
        let quiet = try publish(10, over: ["quiet"])
        let position = quiet.last!.id
        // No skew: the test's publisher writes both streams of an event in one pipeline.
        let replays = self.source(producerSkewMs: 0)
        replays.start()
        // last_id=1-0 (a fresh tab): the channel's first event is at the firehose's end.
        let batch = try await replays.replay("quiet", after: StreamID(milliseconds: 1, sequence: 0), upTo: position)
        #expect(batch.events.map(\.id) == quiet.map(\.id))
        #expect(replays.statistics.firehosePages == 1, "the scan started at the channel's first event, not at last_id")
        // Nothing of the channel after last_id in its stream: no scan at all.
        #expect(silent.last!.id.milliseconds < busy.last!.id.milliseconds)
        let none = try await replays.replay("silent", after: busy.last!.id, upTo: position)
        #expect(none.events.isEmpty)
        #expect(replays.statistics.firehosePages == 1, "no page read for a channel with nothing new")
        replays.stop()
        replays.join(timeoutMs: 2_000)
        admin.close()
        server.stop()
    }
}
