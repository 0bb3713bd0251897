import NIOCore
import NIOEmbedded
import Testing

@testable import Gateway

/// Counts the `read()` calls that reach the socket.
private final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = NIOAny
    var reads = 0
    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}

@Suite struct ReadBackpressureTests {
    @Test func readsAreHeldWhileUnwritableAndResumeOnceWritesDrain() throws {
        let channel = EmbeddedChannel()
        let counter = ReadCounter()
        try channel.pipeline.syncOperations.addHandlers([counter, ReadBackpressureHandler()])

        channel.read()
        #expect(counter.reads == 1, "writable: reads pass")

        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        channel.read()
        channel.read()
        #expect(counter.reads == 1, "unwritable: the socket is not read")

        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(counter.reads == 2, "one held read is issued when writes drain")
        channel.read()
        #expect(counter.reads == 3)
        _ = try channel.finish()
    }

    @Test func becomingWritableWithNoHeldReadReadsNothing() throws {
        let channel = EmbeddedChannel()
        let counter = ReadCounter()
        try channel.pipeline.syncOperations.addHandlers([counter, ReadBackpressureHandler()])
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(counter.reads == 0)
        _ = try channel.finish()
    }
}
