/// Strings: JSON.parse's escapes in, JSON.stringify's escapes out.
///
/// Out of `JSON.stringify` come `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u00xx` for the
/// other controls, `\udxxx` for lone surrogates (well-formed stringify, lowercase hex), and
/// everything else as raw UTF-8: `/`, U+2028, and whatever `\uXXXX` decoded to.
extension JSONTransformer {
    /// Copies the string starting at `position` (on its opening quote).
    mutating func copyString() throws(JSONSyntaxError) {
        output.append(ASCII.quote)
        var index = position + 1
        var runStart = index
        let end = input.count
        while index < end {
            let byte = input[index]
            if byte >= 0x20, byte != ASCII.quote, byte != ASCII.backslash {
                if byte < 0x80 {
                    index += 1
                    continue
                }
                let length = UTF8Replacement.sequenceLength(in: input, at: index)
                if length > 0 {
                    index += length
                    continue
                }
                appendRun(runStart..<index)
                let (b0, b1, b2) = UTF8Replacement.replacementCharacter
                output.append(b0)
                output.append(b1)
                output.append(b2)
                index -= length
                runStart = index
                continue
            }
            appendRun(runStart..<index)
            if byte == ASCII.quote {
                output.append(ASCII.quote)
                position = index + 1
                return
            }
            if byte == ASCII.backslash {
                index = try copyEscape(at: index)
                runStart = index
                continue
            }
            throw fail(.controlCharacterInString, at: index)
        }
        throw fail(.unexpectedEnd, at: end)
    }

    @inline(__always)
    private mutating func appendRun(_ range: Range<Int>) {
        if !range.isEmpty { output.append(contentsOf: UnsafeBufferPointer(rebasing: input[range])) }
    }

    /// Copies the escape whose backslash is at `index`; returns the index after it.
    private mutating func copyEscape(at index: Int) throws(JSONSyntaxError) -> Int {
        guard index + 1 < input.count else { throw fail(.unexpectedEnd, at: input.count) }
        let letter = input[index + 1]
        switch letter {
        case ASCII.quote, ASCII.backslash, UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            output.append(ASCII.backslash)
            output.append(letter)
        case ASCII.slash:
            output.append(ASCII.slash)
        case ASCII.lowerU:
            guard let unit = hex4(at: index + 2) else { throw fail(.badEscape, at: index) }
            if (0xD800...0xDBFF).contains(unit),
               index + 11 < input.count,
               input[index + 6] == ASCII.backslash, input[index + 7] == ASCII.lowerU,
               let low = hex4(at: index + 8), (0xDC00...0xDFFF).contains(low) {
                appendScalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                return index + 12
            }
            appendCodeUnit(unit)
            return index + 6
        default:
            throw fail(.badEscape, at: index)
        }
        return index + 2
    }

    /// Four hex digits at `index`, or nil.
    private func hex4(at index: Int) -> UInt32? {
        guard index + 4 <= input.count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = input[index + offset]
            let digit: UInt8
            switch byte {
            case ASCII.zero...ASCII.nine: digit = byte &- ASCII.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte &- UInt8(ascii: "A") &+ 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Writes one UTF-16 code unit from a `\uXXXX` escape (not part of a surrogate pair).
    private mutating func appendCodeUnit(_ unit: UInt32) {
        switch unit {
        case 0x08: appendShortEscape("b")
        case 0x09: appendShortEscape("t")
        case 0x0A: appendShortEscape("n")
        case 0x0C: appendShortEscape("f")
        case 0x0D: appendShortEscape("r")
        case 0x22: appendShortEscape("\"")
        case 0x5C: appendShortEscape("\\")
        case 0..<0x20, 0xD800...0xDFFF:
            // Other controls, and lone surrogates (no UTF-8 for them): `\u` + lowercase hex.
            output.append(ASCII.backslash)
            output.append(ASCII.lowerU)
            output.append(ASCII.hexDigit(unit >> 12))
            output.append(ASCII.hexDigit(unit >> 8 & 0xF))
            output.append(ASCII.hexDigit(unit >> 4 & 0xF))
            output.append(ASCII.hexDigit(unit & 0xF))
        default:
            appendScalar(unit)
        }
    }

    @inline(__always)
    private mutating func appendShortEscape(_ letter: Unicode.Scalar) {
        output.append(ASCII.backslash)
        output.append(UInt8(ascii: letter))
    }

    /// UTF-8 of a Unicode scalar value (never a surrogate here).
    private mutating func appendScalar(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(truncatingIfNeeded: scalar))
        case 0x80..<0x800:
            output.append(UInt8(truncatingIfNeeded: 0xC0 | scalar >> 6))
            output.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            output.append(UInt8(truncatingIfNeeded: 0xE0 | scalar >> 12))
            output.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(truncatingIfNeeded: 0xF0 | scalar >> 18))
            output.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        }
    }
}
