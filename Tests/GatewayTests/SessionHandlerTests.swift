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
        for _ in 0..<1000 { write(channel, clientFrame(opcode: 0x0, payload: Array(repeating: 1, count: 100), fin: false)) }
        #expect(channel.isActive)
    }
}
