/// Reads one cookie from `Cookie` headers the way upstream's `cookie.parse` does, so
/// that a browser's header means the same thing to both servers:
///
/// - several `Cookie` headers are joined with `"; "` (as Node's HTTP parser does);
/// - pairs are split on `;`, names and values are trimmed, a pair without `=` is skipped;
/// - the first occurrence of a name wins;
/// - a value in double quotes is unquoted;
/// - `%XX` escapes are decoded when the whole value decodes, else it is kept as is.
public enum CookieHeader {
    public static func value(named name: String, in headerValues: [String]) -> String? {
        guard !headerValues.isEmpty else { return nil }
        let header = Array(headerValues.joined(separator: "; ").utf8)
        let target = Array(name.utf8)
        var index = 0
        while index < header.count {
            guard let eq = header[index...].firstIndex(of: UInt8(ascii: "=")) else { return nil }
            var end = header[index...].firstIndex(of: UInt8(ascii: ";")) ?? header.count
            if end < eq {
                // A pair without "=" before the next one: resume after the last ";" before "=".
                index = (header[index..<eq].lastIndex(of: UInt8(ascii: ";")) ?? (eq - 1)) + 1
                continue
            }
            let key = trimmed(header[index..<eq])
            if key.elementsEqual(target) {
                var raw = trimmed(header[(eq + 1)..<end])
                if raw.first == UInt8(ascii: "\"") {
                    raw = raw.count >= 2 ? raw.dropFirst().dropLast() : raw.dropFirst()
                }
                return percentDecoded(raw) ?? String(decoding: raw, as: UTF8.self)
            }
            end += 1
            index = end
        }
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, isSpace(first) { slice = slice.dropFirst() }
        while let last = slice.last, isSpace(last) { slice = slice.dropLast() }
        return slice
    }

    /// `decodeURIComponent` semantics: nil when an escape is malformed or the result is not UTF-8.
    private static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> String? {
        guard bytes.contains(UInt8(ascii: "%")) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let byte = bytes[i]
            if byte == UInt8(ascii: "%") {
                guard i + 2 < bytes.endIndex, let hi = hex(bytes[i + 1]), let lo = hex(bytes[i + 2]) else { return nil }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(byte)
                i += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
