/// Reads the top level of a JSON object that `JSONTransformer` wrote: compact, keys
/// unique (later duplicates already folded in, as `JSON.parse` does) and escaped the
/// way `JSON.stringify` escapes them, so a key compares as plain bytes.
enum CanonicalObject {
    /// Each top-level member's value, as a range of `bytes`, by key.
    static func members(of bytes: [UInt8]) -> [String: Range<Int>] {
        var result: [String: Range<Int>] = [:]
        guard bytes.first == ASCII.openBrace else { return result }
        var index = 1
        while index < bytes.count, bytes[index] == ASCII.quote {
            let keyEnd = endOfString(bytes, at: index)
            let key = JSONStringValue.decode(bytes[(index + 1)..<(keyEnd - 1)])
            let valueStart = keyEnd + 1  // past the colon
            let valueEnd = endOfValue(bytes, at: valueStart)
            result[key] = valueStart..<valueEnd
            index = valueEnd + 1  // past the comma or the closing brace
        }
        return result
    }

    /// The string a value holds, or nil when it is not a string.
    static func string(_ value: Range<Int>, in bytes: [UInt8]) -> String? {
        guard value.count >= 2, bytes[value.lowerBound] == ASCII.quote else { return nil }
        return JSONStringValue.decode(bytes[(value.lowerBound + 1)..<(value.upperBound - 1)])
    }

    /// The strings an array holds, or nil when it is not an array of strings.
    static func strings(_ value: Range<Int>, in bytes: [UInt8]) -> [String]? {
        guard value.count >= 2, bytes[value.lowerBound] == ASCII.openBracket else { return nil }
        var strings: [String] = []
        var index = value.lowerBound + 1
        while index < value.upperBound - 1 {
            guard bytes[index] == ASCII.quote else { return nil }
            let end = endOfString(bytes, at: index)
            strings.append(JSONStringValue.decode(bytes[(index + 1)..<(end - 1)]))
            index = end + 1
        }
        return strings
    }

    /// The index just past the string starting at `start` (its opening quote).
    private static func endOfString(_ bytes: [UInt8], at start: Int) -> Int {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case ASCII.backslash: index += 2
            case ASCII.quote: return index + 1
            default: index += 1
            }
        }
        return bytes.count
    }

    /// The index just past the value starting at `start`.
    private static func endOfValue(_ bytes: [UInt8], at start: Int) -> Int {
        var depth = 0
        var index = start
        while index < bytes.count {
            switch bytes[index] {
            case ASCII.quote:
                index = endOfString(bytes, at: index)
                if depth == 0 { return index }
                continue
            case ASCII.openBrace, ASCII.openBracket:
                depth += 1
            case ASCII.closeBrace, ASCII.closeBracket:
                if depth == 0 { return index }
                depth -= 1
                if depth == 0 { return index + 1 }
            case ASCII.comma:
                if depth == 0 { return index }
            default:
                break
            }
            index += 1
        }
        return index
    }
}
