import NIOCore
import TestSupport

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
        var frame = ByteBuffer()
        WebSocketFrameEncoder.write(opcode: WebSocketFrame.Opcode.text, payload: json.utf8, masking: .none, into: &frame)
        return frame
    }
}
