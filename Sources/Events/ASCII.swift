/// Byte constants used by the JSON transformer.
enum ASCII {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let slash = UInt8(ascii: "/")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let dot = UInt8(ascii: ".")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let lowerE = UInt8(ascii: "e")
    static let upperE = UInt8(ascii: "E")
    static let lowerU = UInt8(ascii: "u")

    /// Lowercase hex digit, as `JSON.stringify` writes `\u00xx` escapes.
    @inline(__always)
    static func hexDigit(_ value: UInt32) -> UInt8 {
        value < 10 ? UInt8(truncatingIfNeeded: value) &+ zero : UInt8(truncatingIfNeeded: value) &+ (UInt8(ascii: "a") &- 10)
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- zero < 10 }

    /// JSON's four whitespace bytes (not `\f`, `\v`, NBSP or a BOM, which `JSON.parse` rejects).
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` in decimal.
    mutating func appendDecimal(_ value: UInt64) {
        // Digits are produced last first into a small stack buffer (20 = digits of UInt64.max).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var rest = value
            var start = 20
            repeat {
                start -= 1
                buffer[start] = UInt8(truncatingIfNeeded: rest % 10) &+ ASCII.zero
                rest /= 10
            } while rest > 0
            append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start...]))
        }
    }
}
