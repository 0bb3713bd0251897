import Testing
@testable import Events

@Suite("Structure: nesting and whitespace")
struct StructureTests {
    static func nested(depth: Int, open: String = "[", close: String = "]") -> String {
        // The top-level object is depth 1.
        #"{"channel_id":"c","a":"# + String(repeating: open, count: depth - 1)
            + String(repeating: close, count: depth - 1) + "}"
    }

    @Test func nestingUpToTheCapIsAccepted() {
        let value = Self.nested(depth: JSONTransformer.maximumDepth)
        #expect(encode(value).error == nil)
    }

    @Test func nestingBeyondTheCapIsRejected() {
        #expect(encode(Self.nested(depth: JSONTransformer.maximumDepth + 1)).error
            == .invalidJSON("nesting deeper than 1000 at offset 1021"))
    }

    @Test func hostileNestingDoesNotCrash() {
        for (open, close) in [("[", "]"), (#"{"a":"#, "}")] {
            let deep = String(repeating: open, count: 1_000_000) + String(repeating: close, count: 1_000_000)
            guard case .invalidJSON(let reason) = encode(#"{"channel_id":"c","a":"# + deep + "}").error else {
                Issue.record("deep \(open) accepted")
                continue
            }
            #expect(reason.hasPrefix("nesting deeper than 1000"))
            #expect(encode(String(repeating: open, count: 1_000_000)).error != nil)
        }
    }

    @Test(arguments: [" ", "\t", "\n", "\r", " \t\n\r ", ""])
    func jsonWhitespaceIsDropped(_ ws: String) {
        let value = "\(ws){\(ws)\"channel_id\"\(ws):\(ws)\"c\"\(ws),\(ws)\"a\"\(ws):\(ws)[\(ws)1\(ws),\(ws){\(ws)}\(ws),\(ws)[\(ws)]\(ws)]\(ws)}\(ws)"
        #expect(encodedText(value) == #"{"id":"1-0","channel_id":"c","a":[1,{},[]]}"#)
    }

    @Test(arguments: ["\u{0C}", "\u{0B}", "\u{A0}", "\u{FEFF}", "\u{2028}", "\u{00}"])
    func otherWhitespaceIsRejected(_ ws: String) {
        #expect(encode("\(ws){\"channel_id\":\"c\"}").error != nil)
        #expect(encode("{\"channel_id\":\"c\"}\(ws)").error != nil)
        #expect(encode("{\(ws)\"channel_id\":\"c\"}").error != nil)
    }

    @Test func whitespaceInsideStringsIsKept() {
        #expect(encodedText("{\"channel_id\":\" c \", \"s\": \" \u{A0}\u{FEFF} \"}") == "{\"id\":\"1-0\",\"channel_id\":\" c \",\"s\":\" \u{A0}\u{FEFF} \"}")
    }
}
