/// A cheap look at a firehose entry's top-level `channel_id`, so that a replay scan
/// rewrites (`EventEncoder`) only the entries of channels some replay wants: the full
/// rewrite validates and re-encodes the whole entry, this only walks its bytes once.
///
/// Conservative: it answers only when the value is a plain string (no escapes, valid
/// UTF-8) under a plain `channel_id` key found exactly once at the top level; otherwise
/// `nil`, and the caller decodes the entry fully. So an entry it rules out is one the
/// encoder would not have given to the channels asked for.
enum ChannelIDPeek {
    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")
    private static let key = Array("channel_id".utf8)

    static func channelID(in data: [UInt8]) -> String? {
        var index = 0
        var depth = 0
        var expectKey = false
        var found: String?
        var occurrences = 0
        while index < data.count {
            let byte = data[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                expectKey = depth == 1 && byte == UInt8(ascii: "{")
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                index += 1
            case UInt8(ascii: ","):
                if depth == 1 { expectKey = true }
                index += 1
            case UInt8(ascii: ":"):
                if depth == 1 { expectKey = false }
                index += 1
            case quote:
                guard let string = string(in: data, at: index) else { return nil }
                index = string.end
                guard depth == 1, expectKey else { continue }
                if string.escaped { return nil }  // a key spelt with escapes: let the encoder decide
                guard data[string.range].elementsEqual(key) else { continue }
                index = skipWhitespace(in: data, from: index)
                guard index < data.count, data[index] == UInt8(ascii: ":") else { return nil }
                index = skipWhitespace(in: data, from: index + 1)
                guard index < data.count, data[index] == quote, let value = self.string(in: data, at: index), !value.escaped,
                      let text = String(validating: data[value.range], as: UTF8.self)
                else { return nil }
                index = value.end
                expectKey = false
                found = text
                occurrences += 1
            default:
                index += 1
            }
        }
        return occurrences == 1 ? found : nil
    }

    /// The string starting at the quote at `start`: its content's range, the index after
    /// its closing quote, whether it holds escapes; nil when it is not closed.
    private static func string(in data: [UInt8], at start: Int) -> (range: Range<Int>, end: Int, escaped: Bool)? {
        var index = start + 1
        var escaped = false
        while index < data.count {
            switch data[index] {
            case quote: return (start + 1..<index, index + 1, escaped)
            case backslash: escaped = true; index += 2
            default: index += 1
            }
        }
        return nil
    }

    private static func skipWhitespace(in data: [UInt8], from start: Int) -> Int {
        var index = start
        while index < data.count {
            switch data[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return index
            }
        }
        return index
    }
}
