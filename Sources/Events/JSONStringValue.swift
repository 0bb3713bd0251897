/// Reads back the value of a string that `JSONTransformer` wrote.
enum JSONStringValue {
    /// The string whose stringify-escaped content (no quotes) is `escaped`.
    ///
    /// Only the escapes stringify writes can occur: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`,
    /// `\t`, and `\u` for other controls and lone surrogates. A lone surrogate has no Swift
    /// `String` form and becomes U+FFFD.
    static func decode(_ escaped: ArraySlice<UInt8>) -> String {
        guard escaped.contains(ASCII.backslash) else {
            return String(decoding: escaped, as: UTF8.self)
        }
        var utf8: [UInt8] = []
        utf8.reserveCapacity(escaped.count)
        var iterator = escaped.makeIterator()
        while let byte = iterator.next() {
            guard byte == ASCII.backslash, let letter = iterator.next() else {
                utf8.append(byte)
                continue
            }
            switch letter {
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case ASCII.lowerU:
                var unit: UInt32 = 0
                for _ in 0..<4 {
                    let digit = iterator.next() ?? ASCII.zero
                    let value = ASCII.isDigit(digit) ? digit &- ASCII.zero : digit &- UInt8(ascii: "a") &+ 10
                    unit = unit << 4 | UInt32(value)
                }
                if unit < 0x80 {
                    utf8.append(UInt8(unit))
                } else {  // a lone surrogate
                    let (b0, b1, b2) = UTF8Replacement.replacementCharacter
                    utf8.append(contentsOf: [b0, b1, b2])
                }
            default: utf8.append(letter)  // \" and \\
            }
        }
        return String(decoding: utf8, as: UTF8.self)
    }
}
