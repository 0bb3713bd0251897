import Events
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import Gateway

/// The hub's routing, replay and liveness rules, on an embedded event loop.
@Suite struct ChannelHubTests {
    let loop = EmbeddedEventLoop()
    let source = ManualReplaySource()

    func makeHub(_ configure: (inout ChannelHub.Settings) -> Void = { _ in }) -> ChannelHub {
        var settings = ChannelHub.Settings()
        configure(&settings)
        return ChannelHub(eventLoop: loop, settings: settings, replaySource: source, logger: testLogger)
    }

    func socket(_ hub: ChannelHub, channel: String, lastID: StreamID? = nil, id: String = "s") throws -> (SocketSession, EmbeddedChannel) {
        let embedded = EmbeddedChannel(loop: loop)
        try embedded.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let session = SocketSession(id: id, channelID: channel, channel: embedded, now: .now())
        #expect(hub.open(session, lastID: lastID) == .opened)
        return (session, embedded)
    }

    @Test func everyTabOfAChannelGetsTheEventAndOtherChannelsNothing() throws {
        let hub = makeHub()
        hub.start(position: id(1), warm: [])
        let (_, tab1) = try socket(hub, channel: "a")
        let (_, tab2) = try socket(hub, channel: "a")
        let (_, other) = try socket(hub, channel: "b")
        hub.dispatch([event(id(2), channel: "a")], done: nil)
        #expect(try writtenTexts(tab1).count == 1)
        #expect(try writtenTexts(tab2).count == 1)
        #expect(try writtenTexts(other).isEmpty)
        #expect(hub.count("ws_events_delivered") == 2)
        #expect(hub.count("ws_events_read") == 1)
    }

    @Test func replayFromHistoryComesBeforeLiveAndOnlyToTheAskingSocket() throws {
        let hub = makeHub()
        hub.start(position: id(3), warm: [event(id(1), channel: "a"), event(id(2), channel: "b"), event(id(3), channel: "a")])
        let (_, other) = try socket(hub, channel: "a")
        let (_, tab) = try socket(hub, channel: "a", lastID: id(1))
        hub.dispatch([event(id(4), channel: "a")], done: nil)
        #expect(try writtenTexts(tab).map { $0.contains("\"3-0\"") || $0.contains("\"4-0\"") } == [true, true])
        #expect(try writtenTexts(other).count == 1, "the other tab gets no replayed duplicates")
        #expect(source.requests.isEmpty, "history covered the replay")
        #expect(hub.count("ws_events_replayed") == 1)
    }

    @Test func replayFromRedisHoldsLiveEventsUntilItArrives() throws {
        let hub = makeHub { $0.historyMaxEvents = 2 }
        hub.start(position: id(10), warm: [event(id(9), channel: "x"), event(id(10), channel: "a")])
        let (_, tab) = try socket(hub, channel: "a", lastID: id(5))
        #expect(source.requests.count == 1)
        #expect(source.requests[0].after == id(5))
        #expect(source.requests[0].upTo == id(10))
        hub.dispatch([event(id(11), channel: "a")], done: nil)
        #expect(try writtenTexts(tab).isEmpty, "live events wait for the replay")
        source.requests[0].completion(.success(ReplayBatch(events: [encoded(id(7), channel: "a"), encoded(id(10), channel: "a")], possibleGap: false, upTo: id(10))))
        loop.run()
        let texts = try writtenTexts(tab)
        #expect(texts.count == 3)
        #expect(texts[0].contains("7-0") && texts[1].contains("10-0") && texts[2].contains("11-0"))
    }

    @Test func eventsTheClientAlreadyHasAreNeverSentTwice() throws {
        let hub = makeHub()
        hub.start(position: id(1), warm: [])
        // The client saw 5-0 on a faster worker; this one has dispatched only 1-0.
        let (_, tab) = try socket(hub, channel: "a", lastID: id(5))
        // Beyond the position: Redis is asked once whether the firehose has 5-0 (it has).
        #expect(source.requests.count == 1 && source.requests[0].after == id(5) && source.requests[0].upTo == id(1))
        hub.dispatch([event(id(3), channel: "a"), event(id(5), channel: "a"), event(id(6), channel: "a")], done: nil)
        source.requests[0].completion(.success(ReplayBatch(events: [], possibleGap: false, upTo: id(1))))
        loop.run()
        let texts = try writtenTexts(tab)
        #expect(texts.count == 1)
        #expect(texts.first?.contains("6-0") == true)
    }

    @Test func socketsWaitForTheFirehosePositionBeforeReplaying() throws {
        let hub = makeHub()
        let (_, tab) = try socket(hub, channel: "a", lastID: id(1))
        hub.start(position: id(3), warm: [event(id(1), channel: "a"), event(id(2), channel: "a"), event(id(3), channel: "b")])
        let texts = try writtenTexts(tab)
        #expect(texts.count == 1 && texts[0].contains("2-0"))
    }

    @Test func failedReplayClosesWith1013SoTheClientRetries() throws {
        let hub = makeHub { $0.historyMaxEvents = 1 }
        hub.start(position: id(10), warm: [event(id(10), channel: "a")])
        let (_, tab) = try socket(hub, channel: "a", lastID: id(2))
        source.requests[0].completion(.failure(TestError()))
        loop.run()
        let frames = try writtenFrames(tab)
        #expect(frames.last?.opcode == 0x8)
        #expect(closeCode(frames.last!.payload) == 1013)
        #expect(hub.registry.socketCount == 0)
    }

    @Test func connectionCapsRefuseBeyondTheLimit() throws {
        let hub = makeHub {
            $0.maxTotalConnections = 3
            $0.maxConnectionsPerChannel = 2
        }
        _ = try socket(hub, channel: "a")
        _ = try socket(hub, channel: "a")
        let extra = SocketSession(id: "x", channelID: "a", channel: EmbeddedChannel(loop: loop), now: .now())
        #expect(hub.open(extra, lastID: nil) == .overChannelCap)
        _ = try socket(hub, channel: "b")
        let another = SocketSession(id: "y", channelID: "c", channel: EmbeddedChannel(loop: loop), now: .now())
        #expect(hub.open(another, lastID: nil) == .overTotalCap)
        #expect(hub.count("ws_connection_rejected") == 2)
        #expect(hub.registry.socketCount == 3)
    }

    @Test func theLivenessSweepIsStaggeredSoEverySocketIsPingedOncePerInterval() throws {
        let hub = makeHub { $0.pingInterval = .seconds(20) }
        let steps = LivenessSweep.steps(for: .seconds(20))
        let sockets = try (0..<(steps * 3)).map { try socket(hub, channel: "c\($0 % 7)", id: "s\($0)").1 }
        var pinged = Array(repeating: 0, count: sockets.count)
        for _ in 0..<steps {
            hub.checkSocketsStep()
            let now = try sockets.map { try writtenFrames($0).count }
            #expect(now.reduce(0, +) == 3, "each step pings its share only")
            for (index, count) in now.enumerated() { pinged[index] += count }
        }
        #expect(pinged.allSatisfy { $0 == 1 })
        #expect(LivenessSweep.steps(for: .milliseconds(100)) == 1, "short intervals keep upstream's single sweep")
    }

    @Test func checkSocketsPingsWithIdAndTerminatesSilentSockets() throws {
        let hub = makeHub { $0.responseTimeout = .seconds(60) }
        let (fresh, freshChannel) = try socket(hub, channel: "a", id: "fresh-id")
        let (stale, staleChannel) = try socket(hub, channel: "a", id: "stale-id")
        stale.lastSeen = .now() - .seconds(61)
        hub.checkSockets()
        let pings = try writtenFrames(freshChannel)
        #expect(pings.count == 1 && pings[0].opcode == 0x9 && pings[0].payload == Array("fresh-id".utf8))
        #expect(!staleChannel.isActive)
        #expect(hub.registry.socketCount == 1)
        // A pong with the socket's id refreshes it; another payload does not.
        fresh.lastSeen = .now() - .seconds(30)
        hub.pong(fresh, payload: ByteBuffer(string: "other"))
        #expect(NIODeadline.now() - fresh.lastSeen >= .seconds(30))
        hub.pong(fresh, payload: ByteBuffer(string: "fresh-id"))
        #expect(NIODeadline.now() - fresh.lastSeen < .seconds(1))
    }

    @Test func closedSocketsAreForgottenAndEmptyChannelsCollected() throws {
        let hub = makeHub()
        let (session, channel) = try socket(hub, channel: "a")
        _ = try socket(hub, channel: "b")
        try channel.close().wait()
        hub.checkSockets()
        _ = session
        #expect(hub.registry.socketCount == 1)
        #expect(hub.registry.channelCount == 2, "upstream keeps empty channels until GC")
        hub.collectEmptyChannels()
        #expect(hub.registry.channelCount == 1)
    }

    @Test func overflowClosesWith1013AndStopsWriting() throws {
        let hub = makeHub()
        hub.start(position: id(1), warm: [])
        let (session, channel) = try socket(hub, channel: "a")
        hub.overflowed(session)
        hub.dispatch([event(id(2), channel: "a")], done: nil)
        let frames = try writtenFrames(channel)
        #expect(frames.count == 1 && frames[0].opcode == 0x8 && closeCode(frames[0].payload) == 1013)
        #expect(hub.count("ws_client_backpressure_disconnect") == 1)
    }

    @Test func largeBatchesYieldToTheLoop() throws {
        let hub = makeHub { $0.eventYieldBatchSize = 10 }
        hub.start(position: id(0), warm: [])
        let (_, channel) = try socket(hub, channel: "a")
        let batch = (1...35).map { event(id(UInt64($0)), channel: "a") }
        let done = loop.makePromise(of: Void.self)
        var finished = false
        done.futureResult.whenSuccess { finished = true }
        hub.dispatch(batch, done: done)
        #expect(!finished, "the rest of the batch is scheduled, not run inline")
        #expect(hub.position == id(10), "the first turn dispatched 10 events")
        #expect(try writtenTexts(channel).count == 10, "a chunk's events are written and flushed in its turn")
        loop.run()
        #expect(finished)
        #expect(try writtenTexts(channel).count == 25)
    }

    /// `eventYieldBatchSize` counts events; a broadcast to a large channel is cut into
    /// turns by socket writes too (between sockets, each socket getting the chunk's
    /// events in a row), and each turn tells the feed delivery is progressing.
    @Test func largeFanOutsYieldByWrites() throws {
        let hub = makeHub { $0.writeYieldBudget = 50 }
        hub.start(position: id(0), warm: [])
        let tabs = try (0..<30).map { try socket(hub, channel: "a", id: "tab-\($0)").1 }
        let turns = NIOLockedValueBox(0)
        let done = loop.makePromise(of: Void.self)
        var finished = false
        done.futureResult.whenSuccess { finished = true }
        hub.dispatch((1...5).map { event(id(UInt64($0)), channel: "a") }, done: done) { turns.withLockedValue { $0 += 1 } }
        #expect(!finished)
        #expect(turns.withLockedValue { $0 } == 1)
        #expect(hub.position == id(5), "the chunk entered the history at once")
        #expect(try tabs.map { try writtenTexts($0).count } == Array(repeating: 5, count: 10) + Array(repeating: 0, count: 20),
            "50 writes: 10 sockets got all 5 events, the others wait for the next turns")
        loop.run()
        #expect(finished)
        #expect(turns.withLockedValue { $0 } == 3, "sockets 0-9, 10-19, 20-29")
        #expect(try tabs.dropFirst(10).map { try writtenTexts($0).count } == Array(repeating: 5, count: 20))
        #expect(hub.count("ws_events_delivered") == 150)
    }

    /// A chunk written over many turns flushes each socket once, after its events: going
    /// event by event and flushing every turn made one `writev` per socket per two
    /// events of a broadcast.
    @Test func aFanOutOverManyTurnsFlushesEachSocketOncePerBatch() throws {
        let hub = makeHub { $0.writeYieldBudget = 50 }
        hub.start(position: id(0), warm: [])
        let counters = try (0..<30).map { n in
            let (_, channel) = try socket(hub, channel: "a", id: "tab-\(n)")
            let counter = FlushCounter()
            try channel.pipeline.syncOperations.addHandler(counter, position: .first)
            return (channel, counter)
        }
        hub.dispatch((1...5).map { event(id(UInt64($0)), channel: "a") }, done: nil)
        loop.run()
        #expect(counters.map { $0.1.flushes } == Array(repeating: 1, count: 30))
        #expect(counters.map { $0.1.writesPerFlush } == Array(repeating: [5], count: 30))
        #expect(try counters.map { try writtenTexts($0.0).count } == Array(repeating: 5, count: 30))
    }

    /// A socket with many events in a chunk flushes whenever its unflushed bytes pass the
    /// threshold (a quarter of `maxSocketBufferBytes`, at most 64 KiB), then once after
    /// its last one; a socket with one event flushes once.
    @Test func aSocketPastTheFlushThresholdIsFlushedMidChunk() throws {
        let hub = makeHub {
            $0.eventYieldBatchSize = 10
            $0.maxSocketBufferBytes = 400  // threshold: 100 bytes, about 2 frames here
        }
        hub.start(position: id(0), warm: [])
        let (_, busy) = try socket(hub, channel: "a", id: "busy")
        let (_, quiet) = try socket(hub, channel: "b", id: "quiet")
        let busyFlushes = FlushCounter()
        let quietFlushes = FlushCounter()
        try busy.pipeline.syncOperations.addHandler(busyFlushes, position: .first)
        try quiet.pipeline.syncOperations.addHandler(quietFlushes, position: .first)
        let batch = (1...10).map { event(id(UInt64($0)), channel: $0 == 3 ? "b" : "a") }
        let frameBytes = batch[0].frame.readableBytes
        let framesPerFlush = (100 + frameBytes - 1) / frameBytes
        #expect(framesPerFlush < 9, "the test needs a frame well under the threshold")
        hub.dispatch(batch, done: nil)
        #expect(busyFlushes.writesPerFlush.dropLast().allSatisfy { $0 == framesPerFlush }, "\(busyFlushes.writesPerFlush)")
        #expect(busyFlushes.writesPerFlush.reduce(0, +) == 9 && busyFlushes.flushes == (9 + framesPerFlush - 1) / framesPerFlush)
        #expect(quietFlushes.writesPerFlush == [1])
        #expect(try writtenTexts(busy).count == 9)
        #expect(try writtenTexts(quiet).count == 1)
    }

    /// A socket that opens with a `last_id` between two turns of a chunk gets the chunk
    /// from the history, each event once and in order; the sockets already listening get
    /// it from the chunk.
    @Test func aSocketOpenedMidChunkReplaysTheChunkOnce() throws {
        let hub = makeHub { $0.writeYieldBudget = 10 }
        hub.start(position: id(2), warm: [event(id(1), channel: "a"), event(id(2), channel: "a")])
        let tabs = try (0..<4).map { try socket(hub, channel: "a", id: "tab-\($0)").1 }
        hub.dispatch((3...7).map { event(id(UInt64($0)), channel: "a") }, done: nil)
        #expect(try tabs.map { try writtenTexts($0).count } == [5, 5, 0, 0], "the turn ended after 10 writes")
        let (_, late) = try socket(hub, channel: "a", lastID: id(2), id: "late")
        loop.run()
        let chunkIDs: [StreamID?] = (3...7).map { id(UInt64($0)) }
        #expect(try writtenTexts(late).map(messageID) == chunkIDs)
        #expect(try tabs.dropFirst(2).map { try writtenTexts($0).map(messageID) } == Array(repeating: chunkIDs, count: 2))
    }

    @Test func goAwayClosesEverySocketWith1001() throws {
        let hub = makeHub()
        let (_, a) = try socket(hub, channel: "a")
        let (_, b) = try socket(hub, channel: "b")
        hub.goAway()
        for channel in [a, b] {
            let frames = try writtenFrames(channel)
            #expect(frames.count == 1 && closeCode(frames[0].payload) == 1001)
        }
    }
}

struct TestError: Error {}

@Suite struct ReplayHistoryTests {
    @Test func boundedByCountRaisesTheFloor() {
        var history = ReplayHistory(maxEvents: 3, maxBytes: 1 << 20)
        history.reset(floor: id(0))
        for ms in 1...5 { history.append(event(id(UInt64(ms)), channel: ms % 2 == 0 ? "even" : "odd")) }
        #expect(history.count == 3)
        #expect(history.floor == id(2))
        #expect(history.covers(after: id(2)))
        #expect(!history.covers(after: id(1)))
        #expect(history.events(for: "odd", after: id(2)).map(\.id) == [id(3), id(5)])
        #expect(history.events(for: "even", after: id(2)).map(\.id) == [id(4)])
    }

    @Test func boundedByBytes() {
        var history = ReplayHistory(maxEvents: 1000, maxBytes: 500)
        for ms in 1...50 { history.append(event(id(UInt64(ms)), channel: "c")) }
        #expect(history.totalBytes <= 500)
        #expect(history.count < 50)
        let kept = history.events(for: "c", after: history.floor)
        #expect(kept.count == history.count, "everything after the floor is held")
        #expect(kept.last?.id == id(50))
    }

    /// One hot channel fills the history; a quiet channel's event is evicted in turn,
    /// and an emptied channel is forgotten. (Eviction is O(1): it changes the channel's
    /// queue in place; 40,000 appends to one channel with a 20,000-event history took
    /// 19 s in a debug build when each eviction copied the queue, 0.13 s now.)
    @Test func aHotChannelEvictsInPlaceAndForgetsEmptiedChannels() {
        var history = ReplayHistory(maxEvents: 100, maxBytes: 1 << 30)
        history.append(event(id(1), channel: "quiet"))
        for ms in 2...1_000 { history.append(event(id(UInt64(ms)), channel: "hot")) }
        #expect(history.count == 100)
        #expect(history.floor == id(900))
        #expect(history.events(for: "quiet", after: .zero).isEmpty)
        #expect(history.events(for: "hot", after: history.floor).map(\.id) == (901...1_000).map { id(UInt64($0)) })
        history.append(event(id(1_001), channel: "quiet"))
        #expect(history.events(for: "quiet", after: history.floor).map(\.id) == [id(1_001)])
        #expect(history.floor == id(901))
    }

    @Test func eventsAfterUsesStrictOrder() {
        var history = ReplayHistory(maxEvents: 10, maxBytes: 1 << 20)
        for seq in 0..<4 { history.append(event(id(7, UInt64(seq)), channel: "c")) }
        #expect(history.events(for: "c", after: id(7, 1)).map(\.id) == [id(7, 2), id(7, 3)])
        #expect(history.events(for: "c", after: id(8)).isEmpty)
        #expect(history.events(for: "none", after: .zero).isEmpty)
    }
}

/// Counts the flushes that reach it, and the writes each carried (add it first in the
/// pipeline).
final class FlushCounter: ChannelOutboundHandler {
    typealias OutboundIn = NIOAny
    private(set) var writesPerFlush: [Int] = []
    private var writes = 0
    var flushes: Int { writesPerFlush.count }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        writes += 1
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        writesPerFlush.append(writes)
        writes = 0
        context.flush()
    }
}
