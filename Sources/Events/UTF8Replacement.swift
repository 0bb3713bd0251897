/// Well-formedness of UTF-8 as Node's `Buffer.toString('utf8')` judges it.
///
/// Node (V8) replaces each *maximal subpart* of an ill-formed sequence with one U+FFFD
/// (Unicode §3.9, Table 3-7; the WHATWG decoder): `ED A0 80` (an encoded surrogate) is
/// three replacements, `E1 80` followed by ASCII is one, `F0 9F 98` cut short is one.
enum UTF8Replacement {
    /// U+FFFD REPLACEMENT CHARACTER in UTF-8.
    static let replacementCharacter: (UInt8, UInt8, UInt8) = (0xEF, 0xBF, 0xBD)

    /// For a non-ASCII byte at `index`: the length of the well-formed sequence starting
    /// there (positive), or minus the length of the maximal subpart that one U+FFFD replaces.
    @inline(__always)
    static func sequenceLength(in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let lead = bytes[index]
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        let continuations: Int
        switch lead {
        case 0xC2...0xDF: continuations = 1
        case 0xE0: continuations = 2; lower = 0xA0
        case 0xE1...0xEC, 0xEE, 0xEF: continuations = 2
        case 0xED: continuations = 2; upper = 0x9F
        case 0xF0: continuations = 3; lower = 0x90
        case 0xF1...0xF3: continuations = 3
        case 0xF4: continuations = 3; upper = 0x8F
        default: return -1  // 80–C1, F5–FF never start a sequence
        }
        var next = index + 1
        guard next < bytes.count, bytes[next] >= lower, bytes[next] <= upper else { return -1 }
        next += 1
        while next <= index + continuations {
            guard next < bytes.count, bytes[next] & 0xC0 == 0x80 else { return index - next }
            next += 1
        }
        return continuations + 1
    }
}
