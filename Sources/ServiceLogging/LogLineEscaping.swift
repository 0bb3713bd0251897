/// Keeps one log record on one line, whatever a client or a producer put in it.
///
/// A `last_id`, an Origin, a channel id or a stream entry can carry CR, LF or NUL; written
/// raw, `?last_id=1-0%0d%0aX:y` would forge a separate journal line `X:y`. Every control
/// character (C0, DEL, C1) and the Unicode line and paragraph separators are written as
/// escapes (`\n`, `\r`, `\t`, `\u{1b}` …), in the message and in every metadata key and
/// value, so no call site has to remember to.
enum LogLineEscaping {
    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 >= 0x7F }) else { return text }  // The common case: plain ASCII.
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x00..<0x20, 0x7F..<0xA0, 0x2028, 0x2029:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
