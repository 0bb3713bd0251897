/// One RESP2 reply, owned by Swift (hiredis's reply objects are freed right after conversion).
public enum RedisReply: Sendable, Equatable {
    /// `+OK`
    case status(String)
    /// `-ERR …`
    case error(String)
    /// `:42`
    case integer(Int64)
    /// `$n\r\n…`: binary-safe bytes.
    case bulk([UInt8])
    /// `$-1` or `*-1` (a missing value, or XREAD's timeout).
    case null
    /// `*n`
    case array([RedisReply])
}

extension RedisReply {
    /// The bytes of a bulk or status reply.
    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let bytes): bytes
        case .status(let text): Array(text.utf8)
        default: nil
        }
    }

    /// A bulk or status reply as text (invalid UTF-8 is repaired).
    public var string: String? {
        switch self {
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        default: nil
        }
    }

    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    public var array: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
