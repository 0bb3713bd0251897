/// One whole RFC 6455 frame, its payload unmasked.
public struct WebSocketFrame: Equatable, Sendable {
    public enum Opcode {
        public static let continuation: UInt8 = 0x0
        public static let text: UInt8 = 0x1
        public static let binary: UInt8 = 0x2
        public static let close: UInt8 = 0x8
        public static let ping: UInt8 = 0x9
        public static let pong: UInt8 = 0xA
    }

    public var fin: Bool
    public var reservedBits: UInt8
    public var opcode: UInt8
    public var payload: [UInt8]

    public init(fin: Bool = true, reservedBits: UInt8 = 0, opcode: UInt8, payload: [UInt8]) {
        self.fin = fin
        self.reservedBits = reservedBits
        self.opcode = opcode
        self.payload = payload
    }

    /// The status code of a close frame (nil when its payload has none).
    public var closeCode: UInt16? {
        opcode == Opcode.close && payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
    }

    public var text: String { String(decoding: payload, as: UTF8.self) }
}
