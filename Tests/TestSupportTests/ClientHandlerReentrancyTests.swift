import NIOCore
import NIOEmbedded
import Testing

@testable import TestSupport

/// Stands in for what NIO does when a write fails (the peer reset the connection): before
/// it closes the channel it drains the socket, so `channelRead` runs again *inside* the
/// handler's own `write`. The chaos test's SIGHUP fault hit exactly that: the test
/// client answered a ping while the server was going away, and the re-entered read
/// corrupted the frame buffer ("Can't remove more items from a collection than it has").
private final class ReadDuringWrite: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var pending: [ByteBuffer]

    init(pending: [ByteBuffer]) { self.pending = pending }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        while !pending.isEmpty {
            context.fireChannelRead(wrapInboundOut(pending.removeFirst()))
        }
    }
}

@Suite struct ClientHandlerReentrancyTests {
    static let handshake = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n".utf8)

    static func serverFrame(_ opcode: UInt8, _ payload: String) -> [UInt8] {
        WebSocketFrameEncoder.encode(opcode: opcode, payload: Array(payload.utf8), masking: .none)
    }

    /// Events the client reported, up to the first timeout.
    static func drain(_ inbox: Inbox) async -> [WebSocketTestClient.Event] {
        var events: [WebSocketTestClient.Event] = []
        while let event = try? await inbox.next(timeout: .milliseconds(100)) { events.append(event) }
        return events
    }

    @Test func aReadDuringThePongWriteKeepsEveryFrameOnceInOrder() async throws {
        let inbox = Inbox()
        let channel = EmbeddedChannel()
        let late = ByteBuffer(bytes: Self.serverFrame(0x1, "b") + Self.serverFrame(0x1, "c"))
        try channel.pipeline.syncOperations.addHandler(ReadDuringWrite(pending: [late]))
        try channel.pipeline.syncOperations.addHandler(ClientHandler(inbox: inbox, autoPong: true))

        try channel.writeInbound(ByteBuffer(bytes: Self.handshake + Self.serverFrame(0x9, "p") + Self.serverFrame(0x1, "a")))

        let (status, _) = try await inbox.handshake(timeout: .seconds(1))
        #expect(status == 101)
        #expect(await Self.drain(inbox) == [.ping(Array("p".utf8)), .text("a"), .text("b"), .text("c")])
        // Exactly one pong, masked, echoing the ping.
        var written = WebSocketFrameDecoder()
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) { written.append(&buffer) }
        let pongs = try written.frames()
        #expect(pongs == [WebSocketFrame(opcode: 0xA, payload: Array("p".utf8))])
        _ = try? channel.finish()
    }

    @Test func aReadDuringThePongWriteThatCompletesAPartialFrame() async throws {
        let inbox = Inbox()
        let channel = EmbeddedChannel()
        let text = Self.serverFrame(0x1, String(repeating: "x", count: 300))
        // The outer read ends mid-frame; the re-entered read brings the rest.
        try channel.pipeline.syncOperations.addHandler(ReadDuringWrite(pending: [ByteBuffer(bytes: text[10...])]))
        try channel.pipeline.syncOperations.addHandler(ClientHandler(inbox: inbox, autoPong: true))

        try channel.writeInbound(ByteBuffer(bytes: Self.handshake + Self.serverFrame(0x9, "") + text[..<10]))

        _ = try await inbox.handshake(timeout: .seconds(1))
        #expect(await Self.drain(inbox) == [.ping([]), .text(String(repeating: "x", count: 300))])
        _ = try? channel.finish()
    }

    @Test func aCloseMidFrameEndsTheStreamWithoutAMessage() async throws {
        let inbox = Inbox()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ClientHandler(inbox: inbox, autoPong: true))
        try channel.writeInbound(ByteBuffer(bytes: Self.handshake + Self.serverFrame(0x1, "whole") + Self.serverFrame(0x1, "cut")[..<3]))
        _ = try await inbox.handshake(timeout: .seconds(1))
        try await channel.close()
        #expect(await Self.drain(inbox) == [.text("whole"), .disconnected])
    }

    @Test func aFrameWithAnImpossibleLengthClosesTheConnection() async throws {
        let inbox = Inbox()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ClientHandler(inbox: inbox, autoPong: true))
        // A 64-bit length with its top bit set: 2^63.
        let huge: [UInt8] = [0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 0]
        try channel.writeInbound(ByteBuffer(bytes: Self.handshake + Self.serverFrame(0x1, "before") + huge))
        _ = try await inbox.handshake(timeout: .seconds(1))
        #expect(await Self.drain(inbox) == [.text("before"), .disconnected])
        #expect(!channel.isActive)
    }
}
