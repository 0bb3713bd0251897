import Events
import Foundation
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import Gateway

/// DESIGN.md §4 on one embedded event loop: where replay and live delivery meet, every
/// event of the socket's channel is written once, in stream order, whatever interleaves.
@Suite struct DeliveryGuaranteeTests {
    let loop = EmbeddedEventLoop()
    let source = ManualReplaySource()

    func makeHub(logger: Logger = testLogger, _ configure: (inout ChannelHub.Settings) -> Void = { _ in }) -> ChannelHub {
        var settings = ChannelHub.Settings()
        configure(&settings)
        return ChannelHub(eventLoop: loop, settings: settings, replaySource: source, logger: logger)
    }

    func socket(_ hub: ChannelHub, channel: String, lastID: StreamID? = nil) throws -> EmbeddedChannel {
        let embedded = EmbeddedChannel(loop: loop)
        try embedded.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let session = SocketSession(id: "s-\(UUID().uuidString.prefix(6))", channelID: channel, channel: embedded, now: .now())
        #expect(hub.open(session, lastID: lastID) == .opened)
        return embedded
    }

    func ids(_ channel: EmbeddedChannel) throws -> [StreamID] {
        try writtenTexts(channel).map { messageID($0)! }
    }

    @Test func liveEventsDuringTheFetchFollowTheReplayOnceEachEvenWhenTheHistoryMovesOn() throws {
        // History of 3 events: live events during the fetch push the floor past the
        // fetch's end, so the hub must fetch again from there rather than skip.
        let hub = makeHub { $0.historyMaxEvents = 3 }
        hub.start(position: id(10), warm: [event(id(9), channel: "x"), event(id(10), channel: "a")])
        let tab = try socket(hub, channel: "a", lastID: id(4))
        #expect(source.requests.count == 1)
        hub.dispatch((11...16).map { event(id(UInt64($0)), channel: $0 % 2 == 0 ? "a" : "x") }, done: nil)
        #expect(try ids(tab).isEmpty, "nothing live before the replay")
        source.requests[0].completion(.success(ReplayBatch(
            events: [encoded(id(6), channel: "a"), encoded(id(10), channel: "a")], possibleGap: false, upTo: id(10))))
        loop.run()
        #expect(source.requests.count == 2, "the history no longer reaches back to 10-0")
        #expect(source.requests[1].after == id(10))
        #expect(source.requests[1].upTo == id(16))
        hub.dispatch([event(id(17), channel: "a"), event(id(18), channel: "a")], done: nil)
        // This batch ends at 16-0, which the history also holds: it is written once.
        source.requests[1].completion(.success(ReplayBatch(
            events: [encoded(id(12), channel: "a"), encoded(id(14), channel: "a"), encoded(id(16), channel: "a")],
            possibleGap: false, upTo: id(16))))
        loop.run()
        hub.dispatch([event(id(19), channel: "x"), event(id(20), channel: "a")], done: nil)
        #expect(try ids(tab) == [6, 10, 12, 14, 16, 17, 18, 20].map { id($0) })
    }

    @Test func aSocketOpenedBetweenTwoChunksOfABatchMissesNothingAndGetsNothingTwice() throws {
        let hub = makeHub { $0.eventYieldBatchSize = 4 }
        hub.start(position: id(0), warm: [])
        let batch = (1...12).map { event(id(UInt64($0)), channel: "a") }
        hub.dispatch(batch, done: nil)  // The first chunk (1…4) is delivered inline.
        let tab = try socket(hub, channel: "a", lastID: id(2))
        loop.run()
        #expect(try ids(tab) == (3...12).map { id(UInt64($0)) })
    }

    @Test func aTaskQueuedDuringALargeBatchRunsBeforeTheBatchEnds() throws {
        let hub = makeHub { $0.eventYieldBatchSize = 10 }
        hub.start(position: id(0), warm: [])
        let tab = try socket(hub, channel: "a")
        var positionWhenTheTaskRan: StreamID?
        let done = loop.makePromise(of: Void.self)
        hub.dispatch((1...40).map { event(id(UInt64($0)), channel: "a") }, done: done)
        // Stands for a ping, a handshake or a health check arriving meanwhile.
        loop.execute { positionWhenTheTaskRan = hub.position }
        var finished = false
        done.futureResult.whenSuccess { finished = true }
        loop.run()
        #expect(finished)
        let ran = try #require(positionWhenTheTaskRan)
        #expect(ran >= id(10) && ran < id(40), "the task ran between chunks (events up to \(ran) dispatched before it)")
        #expect(try writtenTexts(tab).count == 40)
    }

    @Test func aReplayGapIsCountedAndLoggedOncePerSocket() throws {
        let capture = LogCapture()
        let hub = makeHub(logger: capture.logger) { $0.historyMaxEvents = 2 }
        hub.start(position: id(10), warm: [event(id(9), channel: "x"), event(id(10), channel: "x")])
        let tab = try socket(hub, channel: "a", lastID: id(1))
        hub.dispatch((11...14).map { event(id(UInt64($0)), channel: "x") }, done: nil)
        // Both fetches of this socket's replay report the firehose trimmed past them.
        source.requests[0].completion(.success(ReplayBatch(events: [encoded(id(3), channel: "a")], possibleGap: true, upTo: id(10))))
        loop.run()
        #expect(source.requests.count == 2)
        source.requests[1].completion(.success(ReplayBatch(events: [encoded(id(12, 1), channel: "a")], possibleGap: true, upTo: id(14))))
        loop.run()
        #expect(try ids(tab) == [id(3), id(12, 1)], "what is still there is replayed")
        #expect(hub.count("ws_replay_gap") == 1)
        #expect(capture.lines.filter { $0.message.contains("older than the firehose holds") }.count == 1)
        // Another socket with a gap is another count.
        _ = try socket(hub, channel: "b", lastID: id(1))
        source.requests[2].completion(.success(ReplayBatch(events: [], possibleGap: true, upTo: id(14))))
        loop.run()
        #expect(hub.count("ws_replay_gap") == 2)
    }
}
