import Events
import NIOCore

/// An event ready to go on the wire: its WebSocket frame is encoded once and the same
/// buffer is written to every socket of its channel.
public struct DeliverableEvent: Sendable {
    public let id: StreamID
    public let channelID: String
    public let frame: ByteBuffer

    public init(id: StreamID, channelID: String, frame: ByteBuffer) {
        self.id = id
        self.channelID = channelID
        self.frame = frame
    }

    public init(_ event: EncodedEvent, allocator: ByteBufferAllocator) {
        self.init(id: event.id, channelID: event.channelID, frame: ServerFrame.text(event.json, allocator: allocator))
    }
}
