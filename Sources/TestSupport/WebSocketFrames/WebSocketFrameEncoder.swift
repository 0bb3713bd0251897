import NIOCore

/// Writes RFC 6455 frames: masked as a browser sends them, unmasked as a server does
/// (the load generator's bare-NIO ceiling server), or deliberately wrong for tests that
/// check the server refuses them.
public enum WebSocketFrameEncoder {
    public enum Masking: Sendable {
        case none
        /// A random key per frame, as a browser does.
        case random
        /// A fixed key: the load client uses all zeroes (valid, and free to apply).
        case key(UInt8, UInt8, UInt8, UInt8)
    }

    /// Appends one frame to `buffer`.
    public static func write(
        opcode: UInt8, payload: some Collection<UInt8>, masking: Masking, fin: Bool = true, reservedBits: UInt8 = 0,
        into buffer: inout ByteBuffer
    ) {
        buffer.writeInteger((fin ? 0x80 : 0) | (reservedBits & 0x7) << 4 | (opcode & 0x0F))
        let maskBit: UInt8 = if case .none = masking { 0 } else { 0x80 }
        let count = payload.count
        if count < 126 {
            buffer.writeInteger(maskBit | UInt8(count))
        } else if count <= 0xFFFF {
            buffer.writeInteger(maskBit | 126)
            buffer.writeInteger(UInt16(count))
        } else {
            buffer.writeInteger(maskBit | 127)
            buffer.writeInteger(UInt64(count))
        }
        let key: [UInt8]
        switch masking {
        case .none:
            buffer.writeBytes(payload)
            return
        case .random: key = (0..<4).map { _ in UInt8.random(in: 0...255) }
        case .key(let a, let b, let c, let d): key = [a, b, c, d]
        }
        buffer.writeBytes(key)
        if key == [0, 0, 0, 0] {
            buffer.writeBytes(payload)
        } else {
            buffer.writeBytes(payload.enumerated().lazy.map { $0.element ^ key[$0.offset & 3] })
        }
    }

    /// One frame as bytes.
    public static func encode(
        opcode: UInt8, payload: some Collection<UInt8>, masking: Masking, fin: Bool = true, reservedBits: UInt8 = 0
    ) -> [UInt8] {
        var buffer = ByteBufferAllocator().buffer(capacity: payload.count + 14)
        write(opcode: opcode, payload: payload, masking: masking, fin: fin, reservedBits: reservedBits, into: &buffer)
        return Array(buffer.readableBytesView)
    }
}
