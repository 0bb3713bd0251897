/// The fixed part of an RFC 6455 frame (§5.2), parsed in place from the bytes at hand.
///
/// One parser for every WebSocket peer the tests and the load generator run: the test
/// client's `WebSocketFrameDecoder`, the load client's in-place reader and the unit tests'
/// look at what a handler wrote all start here, so a framing bug is fixed once.
public struct WebSocketFrameHeader: Equatable, Sendable {
    public var fin: Bool
    /// RSV1–RSV3 as the low three bits (0 unless an extension was negotiated).
    public var reservedBits: UInt8
    public var opcode: UInt8
    /// The 4-byte masking key, when the frame is masked (client to server).
    public var maskingKey: (UInt8, UInt8, UInt8, UInt8)?
    /// Bytes before the payload: 2, 4 or 10, plus 4 with a masking key.
    public var headerLength: Int
    public var payloadLength: Int

    /// The whole frame: header and payload.
    public var frameLength: Int { headerLength + payloadLength }
    public var isControl: Bool { opcode & 0x8 != 0 }

    /// A header no peer of ours can accept.
    public enum Malformed: Error, Equatable, CustomStringConvertible {
        /// The 64-bit length has its most significant bit set (RFC 6455 forbids it) or
        /// exceeds what the reader allows.
        case payloadTooLarge(UInt64)
        /// A 16- or 64-bit length used where the shorter form would do (§5.2: "the
        /// minimal number of bytes MUST be used").
        case nonMinimalLength(UInt64)

        public var description: String {
            switch self {
            case .payloadTooLarge(let length): "frame payload of \(length) bytes is too large"
            case .nonMinimalLength(let length): "frame length \(length) is not in its minimal encoding"
            }
        }
    }

    /// Parses the header at the start of `bytes`.
    ///
    /// - Returns: nil while `bytes` does not yet hold the whole header (the payload may
    ///   still be incomplete: compare `frameLength` with what is buffered).
    /// - Throws: `Malformed` for a length no reader can honour; the connection must end.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxPayload: Int = 1 << 30) throws(Malformed) -> WebSocketFrameHeader? {
        guard bytes.count >= 2 else { return nil }
        let first = bytes[0], second = bytes[1]
        var offset = 2
        var length = UInt64(second & 0x7F)
        if length == 126 {
            guard bytes.count >= 4 else { return nil }
            length = UInt64(bytes[2]) << 8 | UInt64(bytes[3])
            offset = 4
            guard length >= 126 else { throw .nonMinimalLength(length) }
        } else if length == 127 {
            guard bytes.count >= 10 else { return nil }
            length = 0
            for index in 2..<10 { length = length << 8 | UInt64(bytes[index]) }
            offset = 10
            guard length <= UInt64(Int64.max) else { throw .payloadTooLarge(length) }
            guard length > 0xFFFF else { throw .nonMinimalLength(length) }
        }
        guard length <= UInt64(maxPayload) else { throw .payloadTooLarge(length) }
        var key: (UInt8, UInt8, UInt8, UInt8)?
        if second & 0x80 != 0 {
            guard bytes.count >= offset + 4 else { return nil }
            key = (bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3])
            offset += 4
        }
        return WebSocketFrameHeader(
            fin: first & 0x80 != 0, reservedBits: (first >> 4) & 0x7, opcode: first & 0x0F,
            maskingKey: key, headerLength: offset, payloadLength: Int(length))
    }

    public static func == (lhs: WebSocketFrameHeader, rhs: WebSocketFrameHeader) -> Bool {
        lhs.fin == rhs.fin && lhs.reservedBits == rhs.reservedBits && lhs.opcode == rhs.opcode
            && lhs.maskingKey.map { [$0.0, $0.1, $0.2, $0.3] } == rhs.maskingKey.map { [$0.0, $0.1, $0.2, $0.3] }
            && lhs.headerLength == rhs.headerLength && lhs.payloadLength == rhs.payloadLength
    }
}
