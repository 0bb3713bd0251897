/// A JSON object with no nesting and no escapes, parsed in one pass over its bytes: the
/// shape of every JWT header and claim set Superset makes (`{"alg":"HS256","typ":"JWT"}`,
/// `{"channel":"…","sub":"1"}`).
///
/// Conservative: `parse` answers only for a text that is exactly such an object
/// (RFC 8259 grammar, each key once, values strings, numbers, `true`, `false` or `null`,
/// strings valid UTF-8 without escapes or control characters). For anything else it
/// returns nil and the caller decodes with Foundation's `JSONDecoder`, whose result
/// (or error) then stands. So where it answers, it answers as `JSONDecoder` would.
struct FlatJSONObject {
    enum Value: Equatable {
        case string(String)
        case number(Double)
        case bool(Bool)
        case null
    }

    private(set) var members: [String: Value] = [:]

    static func parse(_ bytes: some Collection<UInt8>) -> FlatJSONObject? {
        var parser = Parser(bytes: Array(bytes))
        return parser.object()
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func object() -> FlatJSONObject? {
            var result = FlatJSONObject()
            skipWhitespace()
            guard take(UInt8(ascii: "{")) else { return nil }
            skipWhitespace()
            if take(UInt8(ascii: "}")) { return end() ? result : nil }
            while true {
                skipWhitespace()
                guard let key = string() else { return nil }
                skipWhitespace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipWhitespace()
                guard let value = value(), result.members.updateValue(value, forKey: key) == nil else { return nil }
                skipWhitespace()
                if take(UInt8(ascii: ",")) { continue }
                guard take(UInt8(ascii: "}")) else { return nil }
                return end() ? result : nil
            }
        }

        /// Only whitespace may follow the object.
        private mutating func end() -> Bool {
            skipWhitespace()
            return index == bytes.count
        }

        private mutating func value() -> Value? {
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "\""): return string().map(Value.string)
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            default: return number().map(Value.number)
            }
        }

        private mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    defer { index += 1 }
                    return String(validating: bytes[start..<index], as: UTF8.self)
                }
                // An escape, or a control character (invalid JSON): JSONDecoder decides.
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                index += 1
            }
            return nil
        }

        /// RFC 8259's number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, finite.
        private mutating func number() -> Double? {
            let start = index
            _ = take(UInt8(ascii: "-"))
            if take(UInt8(ascii: "0")) {
                // No leading zeros.
            } else {
                guard digits() > 0 else { return nil }
            }
            if take(UInt8(ascii: ".")) {
                guard digits() > 0 else { return nil }
            }
            if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
                _ = take(UInt8(ascii: "+")) || take(UInt8(ascii: "-"))
                guard digits() > 0 else { return nil }
            }
            guard let text = String(validating: bytes[start..<index], as: UTF8.self), let value = Double(text),
                  value.isFinite
            else { return nil }
            return value
        }

        private mutating func digits() -> Int {
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            return index - start
        }

        private mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count else { return false }
            let matches = word.withUTF8Buffer { $0.elementsEqual(bytes[index..<index + count]) }
            if matches { index += count }
            return matches
        }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        private mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }
    }
}
