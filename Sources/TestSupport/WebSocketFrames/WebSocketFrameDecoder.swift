import NIOCore

/// Turns a byte stream into whole frames: bytes go in as they arrive (a frame may span
/// reads, a read may hold many frames), whole frames come out in order.
///
/// A value with no side effects: a handler appends, then takes frames one at a time and
/// acts on each. Its state is consistent between calls, so a handler that is re-entered
/// while it acts on a frame (NIO drains the socket into `channelRead` when a write
/// fails) only has to append and let the outer loop take the new frames.
public struct WebSocketFrameDecoder: Sendable {
    private var buffer: ByteBuffer
    private let maxPayload: Int

    public init(maxPayload: Int = 1 << 30) {
        buffer = ByteBufferAllocator().buffer(capacity: 0)
        self.maxPayload = maxPayload
    }

    /// Bytes received but not yet returned as frames.
    public var bufferedBytes: Int { buffer.readableBytes }

    public mutating func append(_ bytes: inout ByteBuffer) {
        buffer.writeBuffer(&bytes)
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.writeBytes(bytes)
    }

    /// The next whole frame, or nil until more bytes arrive.
    /// - Throws: `WebSocketFrameHeader.Malformed`; the stream cannot continue after it.
    public mutating func next() throws(WebSocketFrameHeader.Malformed) -> WebSocketFrame? {
        let limit = maxPayload
        let parsed: Result<WebSocketFrameHeader?, WebSocketFrameHeader.Malformed> = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(WebSocketFrameHeader.Malformed) in try WebSocketFrameHeader.parse(bytes, maxPayload: limit) }
        }
        guard let header = try parsed.get(), buffer.readableBytes >= header.frameLength else { return nil }
        buffer.moveReaderIndex(forwardBy: header.headerLength)
        var payload = buffer.readBytes(length: header.payloadLength)!
        if let key = header.maskingKey {
            let mask = [key.0, key.1, key.2, key.3]
            for index in payload.indices { payload[index] ^= mask[index & 3] }
        }
        compact()
        return WebSocketFrame(fin: header.fin, reservedBits: header.reservedBits, opcode: header.opcode, payload: payload)
    }

    /// Every whole frame buffered now.
    public mutating func frames() throws(WebSocketFrameHeader.Malformed) -> [WebSocketFrame] {
        var frames: [WebSocketFrame] = []
        while let frame = try next() { frames.append(frame) }
        return frames
    }

    /// Drops consumed bytes now and then, so a long stream keeps a small buffer without
    /// moving memory on every frame.
    private mutating func compact() {
        if buffer.readableBytes == 0 {
            buffer.clear()
        } else if buffer.readerIndex >= 65_536 {
            buffer.discardReadBytes()
        }
    }
}
