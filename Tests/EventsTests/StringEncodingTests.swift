import Testing
@testable import Events

@Suite("Strings: escapes and UTF-8")
struct StringEncodingTests {
    static let generated = (try? Fixtures.strings.get()) ?? []

    @Test func generatedTableLoads() throws {
        #expect(try Fixtures.strings.get().count >= 100)
    }

    /// Random code units (lone surrogates, controls, pairs) written raw or as `\u` escapes
    /// in either case; expected output computed by node.
    @Test(arguments: generated)
    func generatedString(_ pair: Fixtures.Pair) {
        #expect(encodedText(#"{"channel_id":"c","s":\#(pair.input)}"#) == #"{"id":"1-0","channel_id":"c","s":\#(pair.expected)}"#)
    }

    @Test func escapesAsStringifyWritesThem() {
        #expect(encodedText(#"{"channel_id":"c","s":"\" \\ \/ \b \f \n \r \t \u0000 \u001F \u007f \u2028 \u00e9 \ud83d\ude00 \ud800 \uDC00"}"#)
            == #"{"id":"1-0","channel_id":"c","s":"\" \\ / \b \f \n \r \t \u0000 \u001f \#u{7F} \#u{2028} é 😀 \ud800 \udc00"}"#)
    }

    /// Invalid UTF-8 is decoded as Node's `Buffer.toString('utf8')` does: one U+FFFD per
    /// maximal subpart. Expected bytes from node v20.
    static let invalidUTF8: [([UInt8], [UInt8])] = [
        ([0xED, 0xA0, 0x80], [0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD]),
        ([0xC0, 0x80], [0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD]),
        ([0xF4, 0x90, 0x80, 0x80], [0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD]),
        ([0xE0, 0x80], [0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD]),
        ([0xE1, 0x80], [0xEF, 0xBF, 0xBD]),
        ([0xF0, 0x9F, 0x98], [0xEF, 0xBF, 0xBD]),
        ([0x80], [0xEF, 0xBF, 0xBD]),
        ([0xFF], [0xEF, 0xBF, 0xBD]),
        ([0xC2, 0x41], [0xEF, 0xBF, 0xBD, 0x41]),
        ([0xF8, 0x88, 0x80, 0x80, 0x80], [0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD]),
        ([0xF0, 0x9F, 0x98, 0x80], [0xF0, 0x9F, 0x98, 0x80]),
        ([0x61, 0xE2, 0x82, 0xAC, 0xE2, 0x82, 0x62, 0xF4, 0x8F, 0xBF, 0xBF, 0xF5],
         [0x61, 0xE2, 0x82, 0xAC, 0xEF, 0xBF, 0xBD, 0x62, 0xF4, 0x8F, 0xBF, 0xBF, 0xEF, 0xBF, 0xBD]),
    ]

    @Test(arguments: invalidUTF8)
    func invalidUTF8IsReplaced(_ input: [UInt8], _ expected: [UInt8]) throws {
        let value = Array(#"{"channel_id":"c","s":""#.utf8) + input + Array(#""}"#.utf8)
        let event = try encode(value).get()
        #expect(event.json == Array(#"{"id":"1-0","channel_id":"c","s":""#.utf8) + expected + Array(#""}"#.utf8))
    }

    @Test func invalidUTF8InChannelID() throws {
        let value = Array(#"{"channel_id":"a"#.utf8) + [0xFF] + Array(#"b"}"#.utf8)
        #expect(try encode(value).get().channelID == "a\u{FFFD}b")
    }

    @Test func invalidUTF8OutsideStringsIsInvalidJSON() {
        #expect(encode([0x7B, 0xFF, 0x7D]).error == .invalidJSON("unexpected byte 0xff at offset 1"))
        #expect(encode(Array(#"{"channel_id":"c""#.utf8) + [0xE1]).error != nil)
        #expect(encode([0x7B, 0x22, 0xE1]).error == .invalidJSON("unexpected end of input"))
    }
}
