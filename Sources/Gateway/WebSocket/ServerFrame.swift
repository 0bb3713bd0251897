import NIOCore
import NIOWebSocket

/// Encodes the frames a server sends (RFC 6455 §5.2: FIN set, never masked) straight
/// into bytes, so that an event's frame is built once and the same buffer is written to
/// every socket of its channel.
public enum ServerFrame {
    /// Close codes this server sends.
    public enum CloseCode: UInt16, Sendable {
        case normal = 1000
        case goingAway = 1001
        case protocolError = 1002
        case policyViolation = 1008
        case messageTooBig = 1009
        case internalError = 1011
        /// Service Restart: upstream's close when its Redis subscriber is lost.
        case serviceRestart = 1012
        case tryAgainLater = 1013
    }

    public static func text(_ payload: some Collection<UInt8>, allocator: ByteBufferAllocator) -> ByteBuffer {
        frame(opcode: .text, payload: payload, allocator: allocator)
    }

    public static func ping(_ payload: some Collection<UInt8>, allocator: ByteBufferAllocator) -> ByteBuffer {
        frame(opcode: .ping, payload: payload.prefix(125), allocator: allocator)
    }

    public static func pong(_ payload: some Collection<UInt8>, allocator: ByteBufferAllocator) -> ByteBuffer {
        frame(opcode: .pong, payload: payload.prefix(125), allocator: allocator)
    }

    public static func close(_ code: CloseCode, allocator: ByteBufferAllocator) -> ByteBuffer {
        close(rawCode: code.rawValue, allocator: allocator)
    }

    public static func close(rawCode: UInt16, allocator: ByteBufferAllocator) -> ByteBuffer {
        frame(opcode: .connectionClose, payload: [UInt8(rawCode >> 8), UInt8(rawCode & 0xFF)], allocator: allocator)
    }

    /// A close frame with a reason (UTF-8, cut to the 123 bytes a control frame leaves).
    public static func close(_ code: CloseCode, reason: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        let payload = [UInt8(code.rawValue >> 8), UInt8(code.rawValue & 0xFF)] + Array(reason.utf8.prefix(123))
        return frame(opcode: .connectionClose, payload: payload, allocator: allocator)
    }

    public static func frame(opcode: WebSocketOpcode, payload: some Collection<UInt8>, allocator: ByteBufferAllocator) -> ByteBuffer {
        let length = payload.count
        var buffer = allocator.buffer(capacity: length + 10)
        buffer.writeInteger(0x80 | UInt8(webSocketOpcode: opcode))
        if length < 126 {
            buffer.writeInteger(UInt8(length))
        } else if length <= Int(UInt16.max) {
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(length))
        } else {
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(length))
        }
        buffer.writeBytes(payload)
        return buffer
    }
}
