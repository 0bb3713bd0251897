import NIOCore

/// Stops reading from a connection while what we owe it does not drain.
///
/// Every reply this server makes to a client's own bytes (an HTTP response to a
/// pipelined request, a pong to a ping) is a write. A client that sends and never reads
/// would make those writes pile up without bound (a held-out run grew a worker from
/// 52 to 411 MB with a million pings, and to 393 MB with pipelined `GET /health`).
/// While the channel is not writable (more than the write-buffer high-water mark is
/// unsent: `maxSocketBufferBytes`, or NIO's 64 KiB without one) this handler holds the
/// `read()` NIO asks for, so the client's further bytes wait in the kernel, where TCP
/// flow control pushes back on the client; reading resumes once writes drain. What we
/// queue for one connection is then at most the mark plus the replies to one read.
///
/// The first handler of every connection's pipeline, in the HTTP and WebSocket phases.
final class ReadBackpressureHandler: ChannelDuplexHandler {
    typealias InboundIn = NIOAny
    typealias InboundOut = NIOAny
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    /// A `read()` is owed to NIO once writes drain.
    private var readHeld = false

    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if readHeld, context.channel.isWritable {
            readHeld = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }
}
