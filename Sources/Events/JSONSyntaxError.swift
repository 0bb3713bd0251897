/// Where and why `JSONTransformer` gave up; mirrors the cases in which `JSON.parse` throws,
/// plus the nesting cap.
struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    enum Reason: Equatable {
        case unexpectedByte(UInt8)
        case unexpectedEnd
        case controlCharacterInString
        case badEscape
        case tooDeep
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
        }
    }
}
