import NIOCore
import NIOWebSocket

/// What RFC 6455 lets a client send once NIO's decoder has framed it (NIO checks lengths,
/// control-frame size and fragmentation; this checks the rest). A pure value, one per
/// socket: it remembers only whether a fragmented data message is open.
///
/// Every violation closes with 1002, as §7.4.1 asks: reserved bits without a negotiated
/// extension (we negotiate none), reserved opcodes, a continuation with no message open
/// or a new message inside one (§5.4), a close frame with a 1-byte body, a code no
/// endpoint may send (§7.4.2: below 1000, 1004–1006, 1015, 1016–2999, 5000 and up), or
/// a reason that is not UTF-8. (1007 is for invalid UTF-8 in text messages, which this
/// server never reads.)
struct ClientFrameRules {
    enum Verdict: Equatable {
        case accept
        case protocolError(String)
    }

    private var messageOpen = false

    mutating func check(_ frame: WebSocketFrame) -> Verdict {
        if frame.rsv1 || frame.rsv2 || frame.rsv3 { return .protocolError("reserved bits set") }
        switch frame.opcode {
        case .continuation:
            guard messageOpen else { return .protocolError("continuation frame with no message to continue") }
            messageOpen = !frame.fin
        case .text, .binary:
            guard !messageOpen else { return .protocolError("new data frame inside a fragmented message") }
            messageOpen = !frame.fin
        case .connectionClose:
            return Self.checkClose(frame.unmaskedData)
        case .ping, .pong:
            break
        default:
            return .protocolError("reserved opcode \(UInt8(webSocketOpcode: frame.opcode))")
        }
        return .accept
    }

    /// The close code of a valid close frame's body (nil for an empty body).
    static func closeCode(of body: ByteBuffer) -> UInt16? {
        body.getInteger(at: body.readerIndex, as: UInt16.self)
    }

    static func checkClose(_ body: ByteBuffer) -> Verdict {
        guard body.readableBytes != 1 else { return .protocolError("close frame with a 1-byte body") }
        guard let code = closeCode(of: body) else { return .accept }
        guard isSendable(closeCode: code) else { return .protocolError("close code \(code) may not be sent") }
        let reason = body.readableBytesView.dropFirst(2)
        guard String(validating: reason, as: UTF8.self) != nil else { return .protocolError("close reason is not UTF-8") }
        return .accept
    }

    /// Codes an endpoint may put in a close frame: the defined ones (1000–1003,
    /// 1007–1014) and those for libraries and applications (3000–4999).
    static func isSendable(closeCode code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }
}
