import NIOCore
import TestSupport

/// One simulated browser: sends its upgrade request, checks for `101`, then reads server
/// frames in place (no copy unless a frame spans reads), answers pings, counts text
/// messages and records each one's latency from the publish time it carries.
///
/// Loop-confined; its only allocation after the handshake is the carry-over buffer of a
/// frame split across reads.
final class LoadConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State { case handshaking, open, closed }

    private let stats: LoopStats
    private let request: ByteBuffer
    private let expected: Int
    private let onHandshake: (Bool) -> Void
    private var state = State.handshaking
    private var carry: ByteBuffer?
    private var reading = false
    private(set) var received = 0
    private(set) var wasUpgraded = false

    init(stats: LoopStats, request: ByteBuffer, expected: Int, onHandshake: @escaping (Bool) -> Void) {
        self.stats = stats
        self.request = request
        self.expected = expected
        self.onHandshake = onHandshake
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch state {
        case .handshaking:
            stats.failed += 1
            finishHandshake(false)
        case .open:
            stats.dropped += 1
        case .closed:
            break
        }
        state = .closed
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if carry == nil { carry = incoming } else { carry!.writeBuffer(&incoming) }
        // A read re-entered from our own pong's write (NIO drains the socket into the
        // pipeline when a write fails) only appends: the loop below takes its bytes next.
        guard !reading else { return }
        reading = true
        defer { reading = false }
        while var buffer = carry {
            carry = nil
            if state == .handshaking, !readHead(context: context, &buffer), state != .handshaking { return }
            if state == .open { readFrames(context: context, &buffer) }
            guard state != .closed else { return }
            // Keep what is left (a partial head or frame) ahead of what arrived meanwhile.
            let arrived = carry
            if var arrived { buffer.writeBuffer(&arrived) }
            carry = buffer.readableBytes > 0 ? buffer : nil
            if arrived == nil { return }
        }
    }

    private func finishHandshake(_ upgraded: Bool) {
        onHandshake(upgraded)
    }

    /// Consumes the response head; false while it is incomplete.
    private func readHead(context: ChannelHandlerContext, _ buffer: inout ByteBuffer) -> Bool {
        let end: Int? = buffer.withUnsafeReadableBytes { bytes in
            guard bytes.count >= 4 else { return nil }
            for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
                return i + 4
            }
            return nil
        }
        guard let end else {
            if buffer.readableBytes > 16_384 { context.close(promise: nil) }
            return false
        }
        let is101 = buffer.withUnsafeReadableBytes { bytes in
            bytes.count >= 12 && bytes[9] == UInt8(ascii: "1") && bytes[10] == UInt8(ascii: "0") && bytes[11] == UInt8(ascii: "1")
        }
        buffer.moveReaderIndex(forwardBy: end)
        guard is101 else {
            stats.refused += 1
            state = .closed
            finishHandshake(false)
            context.close(promise: nil)
            return false
        }
        state = .open
        wasUpgraded = true
        stats.upgraded += 1
        stats.lastUpgradeNs = BenchClock.nowNs()
        finishHandshake(true)
        return true
    }

    private func readFrames(context: ChannelHandlerContext, _ buffer: inout ByteBuffer) {
        var now: UInt64 = 0
        while buffer.readableBytes >= 2 {
            // TestSupport's header parser, in place: no copy of the frame.
            let parsed = buffer.withUnsafeReadableBytes { bytes in
                Result { () throws(WebSocketFrameHeader.Malformed) in try WebSocketFrameHeader.parse(bytes) }
            }
            guard case .success(let found) = parsed else {
                state = .closed
                stats.dropped += 1
                context.close(promise: nil)
                return
            }
            guard let found, buffer.readableBytes >= found.frameLength else { return }
            let header = (opcode: found.opcode, offset: found.headerLength, length: found.payloadLength)
            switch header.opcode {
            case 0x1:
                if now == 0 { now = BenchClock.nowNs() }
                message(buffer: buffer, offset: header.offset, length: header.length, now: now)
            case 0x9:
                stats.pings += 1
                pong(context: context, buffer: buffer, offset: header.offset, length: header.length)
            case 0x8:
                state = .closed
                stats.dropped += 1
                context.close(promise: nil)
                return
            default:
                break
            }
            buffer.moveReaderIndex(forwardBy: header.offset + header.length)
        }
    }

    private func message(buffer: ByteBuffer, offset: Int, length: Int, now: UInt64) {
        received += 1
        stats.messages += 1
        stats.bytes += length
        if stats.firstMessageNs == 0 { stats.firstMessageNs = now }
        stats.lastMessageNs = now
        let published = buffer.withUnsafeReadableBytes { bytes in
            BenchEvent.publishTime(in: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]))
        }
        if let published {
            stats.latency.record(micros: now > published ? (now - published) / 1_000 : 0)
        }
        if received == expected {
            stats.complete += 1
            stats.completeIfDone(now)
        }
    }

    /// A masked pong echoing the ping's payload (an all-zero mask: valid, and free).
    private func pong(context: ChannelHandlerContext, buffer: ByteBuffer, offset: Int, length: Int) {
        var out = context.channel.allocator.buffer(capacity: length + 14)
        let payload = buffer.readableBytesView.dropFirst(offset).prefix(min(length, 125))
        WebSocketFrameEncoder.write(opcode: WebSocketFrame.Opcode.pong, payload: payload, masking: .key(0, 0, 0, 0), into: &out)
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
    }
}
