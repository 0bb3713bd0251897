import NIOCore

/// One event loop's upgraded sockets in the ceiling server, and how it writes to them.
/// Loop-confined.
final class CeilingLoop: @unchecked Sendable {
    let loop: any EventLoop
    private var sockets: [ObjectIdentifier: ChannelHandlerContext] = [:]
    private var order: [ChannelHandlerContext] = []
    private var orderDirty = false
    private var nextSocket = 0
    private var sequence: UInt64 = 0

    init(loop: any EventLoop) {
        self.loop = loop
    }

    var count: Int { sockets.count }

    func add(_ context: ChannelHandlerContext) {
        sockets[ObjectIdentifier(context)] = context
        orderDirty = true
    }

    func remove(_ context: ChannelHandlerContext) {
        sockets[ObjectIdentifier(context)] = nil
        orderDirty = true
    }

    private var all: [ChannelHandlerContext] {
        if orderDirty {
            order = Array(sockets.values)
            orderDirty = false
        }
        return order
    }

    /// Messages encoded once each (with the time they are sent) and written to every
    /// socket, `batch` events at a time with one flush per socket per batch (what the
    /// service does with `eventYieldBatchSize`); yields to the loop between batches.
    func broadcast(events: Int, batch: Int = 100, done: EventLoopPromise<Int>, written: Int = 0) {
        guard events > 0 else { return done.succeed(written) }
        let n = min(events, max(1, batch))
        let frames = (0..<n).map { _ in nextFrame(channel: "bench-0") }
        let targets = all
        for context in targets {
            for frame in frames { context.write(NIOAny(frame), promise: nil) }
            context.flush()
        }
        loop.execute { self.broadcast(events: events - n, batch: batch, done: done, written: written + n * targets.count) }
    }

    /// One message to the next socket in turn.
    func sendToNext() -> Bool {
        let targets = all
        guard !targets.isEmpty else { return false }
        nextSocket = (nextSocket + 1) % targets.count
        let context = targets[nextSocket]
        context.writeAndFlush(NIOAny(nextFrame(channel: "bench-\(nextSocket)")), promise: nil)
        return true
    }

    private func nextFrame(channel: String) -> ByteBuffer {
        sequence += 1
        let json = BenchEvent.compactJSON(
            id: "\(BenchClock.nowNs() / 1_000_000)-\(sequence)", channel: channel, publishedAtNs: BenchClock.nowNs(), sequence: sequence)
        return ServerFrameBytes.text(Array(json.utf8))
    }
}

/// RFC 6455 server text frames (FIN, unmasked), as bytes.
enum ServerFrameBytes {
    static func text(_ payload: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(payload.count + 10)
        buffer.writeInteger(UInt8(0x81))
        if payload.count < 126 {
            buffer.writeInteger(UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(payload.count))
        } else {
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(payload.count))
        }
        buffer.writeBytes(payload)
        return buffer
    }
}
