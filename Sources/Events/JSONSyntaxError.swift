/// Where and why `JSONTransformer` gave up; mirrors the cases in which `JSON.parse` throws,
/// plus the nesting cap.
struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    enum Reason: Equatable {
        case unexpectedByte(UInt8)
        case unexpectedEnd
        case controlCharacterInString
        case badEscape
        case tooDeep
        /// Objects that must be rewritten into JavaScript's property order are nested
        /// around so much of the value that rewriting them would copy more than
        /// `JSONTransformer.rewriteBudget` allows (a producer's poison, never Superset's).
        case tooCostlyToReorder
    }

    var reason: Reason
    /// Byte offset in the (raw) input.
    var offset: Int

    var description: String {
        switch reason {
        case .unexpectedByte(let byte):
            "unexpected byte 0x\(String(byte, radix: 16)) at offset \(offset)"
        case .unexpectedEnd:
            "unexpected end of input"
        case .controlCharacterInString:
            "control character in string at offset \(offset)"
        case .badEscape:
            "bad escape at offset \(offset)"
        case .tooDeep:
            "nesting deeper than \(JSONTransformer.maximumDepth) at offset \(offset)"
        case .tooCostlyToReorder:
            "objects with integer-like or repeated keys nested around too much of the value (at offset \(offset)): skipped to keep the cost linear"
        }
    }
}
