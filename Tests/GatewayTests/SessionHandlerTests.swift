import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import Gateway

/// The WebSocket session handler on an embedded channel: what clients may and may not send.
@Suite struct SessionHandlerTests {
    let loop = EmbeddedEventLoop()

    func makeChannel() throws -> (EmbeddedChannel, ChannelHub, SocketSession) {
        let hub = ChannelHub(eventLoop: loop, settings: .init(), replaySource: ManualReplaySource(), logger: testLogger)
        let channel = EmbeddedChannel(loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let session = SocketSession(id: "sid", channelID: "c", channel: channel, now: .now())
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: HTTPHandshakeHandler.maxClientFrameSize)),
            WebSocketSessionHandler(session: session, hub: hub, lastID: nil, logger: testLogger),
        ])
        return (channel, hub, session)
    }

    func write(_ channel: EmbeddedChannel, _ bytes: [UInt8]) {
        try? channel.writeInbound(ByteBuffer(bytes: bytes))
    }

    /// Events are written from the session handler's context: they pass only the
    /// handlers before it, not the whole pipeline from its tail (a handler added after
    /// it sees none of them), and reach the socket as before.
    @Test func eventsAreWrittenFromTheSessionHandlerNotThePipelineTail() throws {
        let (channel, hub, session) = try makeChannel()
        let afterSession = WriteCounter()
        try channel.pipeline.syncOperations.addHandler(afterSession, position: .last)
        hub.start(position: id(1), warm: [])
        hub.dispatch([event(id(2), channel: "c"), event(id(3), channel: "c")], done: nil)
        #expect(try writtenTexts(channel).count == 2)
        #expect(afterSession.writes == 0)
        #expect(session.outbound != nil)
        try channel.close().wait()
        loop.run()
        #expect(session.outbound == nil, "a closed socket's context is not kept (no retain cycle)")
    }

    @Test func smallDataFramesAreIgnored() throws {
        let (channel, hub, _) = try makeChannel()
        write(channel, clientFrame(opcode: 0x1, payload: Array("hello".utf8)))
        write(channel, clientFrame(opcode: 0x2, payload: [1, 2, 3]))
        #expect(try writtenFrames(channel).isEmpty)
        #expect(channel.isActive)
        #expect(hub.registry.socketCount == 1)
    }

    @Test func framesOver64KiBClose1009() throws {
        let (channel, hub, _) = try makeChannel()
        write(channel, clientFrame(opcode: 0x1, payload: Array(repeating: 0x61, count: 64 * 1024 + 1)))
        let frames = try writtenFrames(channel)
        #expect(frames.count == 1 && closeCode(frames[0].payload) == 1009)
        loop.run()
        #expect(!channel.isActive)
        #expect(hub.registry.socketCount == 0)
    }

    @Test func unmaskedFramesClose1002() throws {
        let (channel, _, _) = try makeChannel()
        write(channel, clientFrame(opcode: 0x1, payload: [0x61], masked: false))
        let frames = try writtenFrames(channel)
        #expect(frames.count == 1 && closeCode(frames[0].payload) == 1002)
    }

    @Test func fragmentedControlFramesClose1002() throws {
        let (channel, _, _) = try makeChannel()
        write(channel, clientFrame(opcode: 0x9, payload: [0x61], fin: false))
        let frames = try writtenFrames(channel)
        #expect(frames.count == 1 && closeCode(frames[0].payload) == 1002)
    }

    /// Sends `bytes` and returns the close code the server answered with (nil when it
    /// wrote nothing), and whether the socket left the hub.
    func answer(to bytes: [UInt8]) throws -> (code: UInt16?, removed: Bool) {
        let (channel, hub, _) = try makeChannel()
        write(channel, bytes)
        let frames = try writtenFrames(channel)
        loop.run()
        return (frames.first.flatMap { $0.opcode == 0x8 ? closeCode($0.payload) : nil }, hub.registry.socketCount == 0)
    }

    @Test(arguments: [0x40, 0x20, 0x10] as [UInt8])
    func reservedBitsClose1002(bit: UInt8) throws {
        for opcode: UInt8 in [0x1, 0x9] {
            var bytes = clientFrame(opcode: opcode, payload: [0x61])
            bytes[0] |= bit
            let (code, removed) = try answer(to: bytes)
            #expect(code == 1002 && removed, "opcode \(opcode), bit \(bit)")
        }
    }

    @Test(arguments: [0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF] as [UInt8])
    func reservedOpcodesClose1002(opcode: UInt8) throws {
        let (code, removed) = try answer(to: clientFrame(opcode: opcode, payload: []))
        #expect(code == 1002 && removed)
    }

    @Test func fragmentationMustBeWellFormed() throws {
        // A continuation with no message open.
        #expect(try answer(to: clientFrame(opcode: 0x0, payload: [0x61])).code == 1002)
        // A new text message inside a fragmented one.
        #expect(try answer(to: clientFrame(opcode: 0x1, payload: [0x61], fin: false) + clientFrame(opcode: 0x2, payload: [0x62])).code == 1002)
        // A well-formed fragmented message, with a ping between its fragments, is accepted (and ignored).
        let (channel, hub, _) = try makeChannel()
        write(channel, clientFrame(opcode: 0x1, payload: [0x61], fin: false) + clientFrame(opcode: 0x9, payload: [0x70])
            + clientFrame(opcode: 0x0, payload: [0x62], fin: false) + clientFrame(opcode: 0x0, payload: [0x63]) + clientFrame(opcode: 0x1, payload: [0x64]))
        let frames = try writtenFrames(channel)
        #expect(frames.map(\.opcode) == [0xA], "only the pong")
        #expect(channel.isActive && hub.registry.socketCount == 1)
    }

    @Test(arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] as [UInt16])
    func closeFramesWithCodesNoEndpointMaySendAreAnswered1002(code: UInt16) throws {
        let (answer, removed) = try answer(to: clientFrame(opcode: 0x8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)]))
        #expect(answer == 1002 && removed)
    }

    @Test(arguments: [1000, 1001, 1002, 1003, 1007, 1011, 1012, 1013, 1014, 3000, 4999] as [UInt16])
    func closeFramesWithValidCodesAreEchoed(code: UInt16) throws {
        let (answer, removed) = try answer(to: clientFrame(opcode: 0x8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)] + Array("bye ✓".utf8)))
        #expect(answer == code && removed)
    }

    @Test func malformedCloseBodiesAreAnswered1002() throws {
        // A 1-byte body: a code needs two.
        #expect(try answer(to: clientFrame(opcode: 0x8, payload: [0x03])).code == 1002)
        // A reason that is not UTF-8.
        #expect(try answer(to: clientFrame(opcode: 0x8, payload: [0x03, 0xE8, 0xFF, 0xFE])).code == 1002)
        #expect(try answer(to: clientFrame(opcode: 0x8, payload: [0x03, 0xE8, 0xCE])).code == 1002, "truncated sequence")
        // An empty body is a normal close.
        #expect(try answer(to: clientFrame(opcode: 0x8, payload: [])).code == 1000)
    }

    @Test func aPingFloodIsClosedWith1008() throws {
        let (channel, hub, _) = try makeChannel()
        let pings = (0..<Int(ClientPingBudget.capacity)).flatMap { _ in clientFrame(opcode: 0x9, payload: [0x70]) }
        write(channel, pings)
        #expect(try writtenFrames(channel).allSatisfy { $0.opcode == 0xA }, "the budget's pings are answered")
        #expect(channel.isActive)
        write(channel, clientFrame(opcode: 0x9, payload: [0x70]))
        let frames = try writtenFrames(channel)
        #expect(frames.count == 1 && closeCode(frames[0].payload) == 1008)
        loop.run()
        #expect(!channel.isActive && hub.registry.socketCount == 0)
    }

    @Test func thePingBudgetRefillsOverTime() {
        var budget = ClientPingBudget()
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        /// How many pings the budget allows at `now`, up to 1,000.
        func allowed(at now: NIODeadline) -> Int {
            var count = 0
            while count < 1_000, budget.spend(at: now) { count += 1 }
            return count
        }
        #expect(allowed(at: start) == Int(ClientPingBudget.capacity))
        #expect(allowed(at: start + .milliseconds(Int64(1_000 / ClientPingBudget.perSecond) * 3)) == 3)
        // A long quiet spell refills to the capacity, not beyond.
        #expect(allowed(at: start + .seconds(3_600)) == Int(ClientPingBudget.capacity))
    }

    /// While a pong is unwritten, later pings are answered once, with the newest payload.
    @Test func pongsAreCoalescedWhileOneIsInFlight() throws {
        let (channel, _, _) = try makeChannel()
        let held = HeldWrites()
        try channel.pipeline.syncOperations.addHandler(held, position: .first)
        for payload in [[1], [2], [3]] as [[UInt8]] { write(channel, clientFrame(opcode: 0x9, payload: payload)) }
        #expect(try writtenFrames(channel).map(\.payload) == [[1]], "one pong in flight")
        held.complete()
        #expect(try writtenFrames(channel).map(\.payload) == [[3]], "then the newest ping's")
        held.complete()
        #expect(try writtenFrames(channel).isEmpty, "and nothing more")
        write(channel, clientFrame(opcode: 0x9, payload: [4]))
        #expect(try writtenFrames(channel).map(\.payload) == [[4]])
    }

    @Test func clientCloseIsEchoedAndTheConnectionEnds() throws {
        let (channel, hub, _) = try makeChannel()
        write(channel, clientFrame(opcode: 0x8, payload: [0x03, 0xE8]))
        let frames = try writtenFrames(channel)
        #expect(frames.count == 1 && frames[0].opcode == 0x8 && closeCode(frames[0].payload) == 1000)
        loop.run()
        #expect(!channel.isActive)
        #expect(hub.registry.socketCount == 0)
    }

    @Test func pongWithTheSocketIdRefreshesLiveness() throws {
        let (channel, _, session) = try makeChannel()
        session.lastSeen = .now() - .seconds(50)
        write(channel, clientFrame(opcode: 0xA, payload: Array("sid".utf8)))
        #expect(NIODeadline.now() - session.lastSeen < .seconds(1))
    }

    @Test func manySmallFramesNeitherCrashNorAccumulate() throws {
        let (channel, _, _) = try makeChannel()
        // One endless fragmented message: each fragment is dropped as it comes.
        write(channel, clientFrame(opcode: 0x2, payload: Array(repeating: 1, count: 100), fin: false))
        for _ in 0..<1000 { write(channel, clientFrame(opcode: 0x0, payload: Array(repeating: 1, count: 100), fin: false)) }
        #expect(channel.isActive)
        #expect(try writtenFrames(channel).isEmpty)
    }
}

/// Passes writes on but keeps their promises until the test says they were written, as
/// a socket whose peer does not read would.
private final class HeldWrites: ChannelOutboundHandler {
    typealias OutboundIn = NIOAny
    private var promises: [EventLoopPromise<Void>] = []

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let written = context.eventLoop.makePromise(of: Void.self)
        if let promise { promises.append(promise) }
        context.write(data, promise: written)
    }

    func complete() {
        let pending = promises
        promises = []
        pending.forEach { $0.succeed() }
    }
}

/// Counts the writes that reach it.
final class WriteCounter: ChannelOutboundHandler {
    typealias OutboundIn = NIOAny
    private(set) var writes = 0

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        writes += 1
        context.write(data, promise: promise)
    }
}
