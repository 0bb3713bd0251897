import Foundation
import JWTKit
import Testing

@testable import Gateway

/// `ClaimsJSONDecoder`'s fast path must answer exactly as jwt-kit's `JSONDecoder` does,
/// or step aside: checked on hand-picked edge cases and on many generated texts.
@Suite struct ClaimsJSONDecoderTests {
    let fast = ClaimsJSONDecoder()
    let reference = JSONDecoder()

    /// Both decoders' outcome for the claims: the fields, or "error".
    func claims(_ text: String, _ decoder: some JWTJSONDecoder) -> String {
        guard let claims = try? decoder.decode(SupersetClaims.self, from: Data(text.utf8)) else { return "error" }
        return "exp=\(claims.exp.map { "\($0)" } ?? "-") nbf=\(claims.nbf.map { "\($0)" } ?? "-") \(claims.strings.sorted { $0.key < $1.key })"
    }

    func header(_ text: String, _ decoder: some JWTJSONDecoder) -> String {
        guard let header = try? decoder.decode(JWTHeader.self, from: Data(text.utf8)) else { return "error" }
        return "\(header.fields.sorted { $0.key < $1.key })"
    }

    static let edgeCases = [
        #"{"channel":"c1","sub":"1"}"#, #"{"channel":"c1","sub":null,"exp":1700000000}"#, #" { "a" : "b" } "#, "{}",
        #"{"exp":"soon"}"#, #"{"exp":null}"#, #"{"nbf":true}"#, #"{"exp":1e999}"#, #"{"exp":-0}"#, #"{"exp":1.5e3}"#,
        #"{"exp":01}"#, #"{"exp":1.}"#, #"{"exp":.5}"#, #"{"exp":+1}"#, #"{"exp":1e}"#, #"{"a":"b",}"#, #"{"a":"b"}x"#,
        #"{"a":"b" "c":"d"}"#, #"{"a":"b","a":"c"}"#, #"{"a":"\u0062"}"#, #"{"a\n":"b"}"#, "{\"a\":\"b\u{1}\"}",
        #"{"a":[1]}"#, #"{"a":{"b":1}}"#, #"{"a":tru}"#, #"{"a":nul}"#, #"{"a":"é✓"}"#, #"["a"]"#, #""a""#, "",
        #"{"alg":"HS256","typ":"JWT"}"#, #"{"alg":"HS256","kid":7,"x":2.5,"b":false}"#, #"{"a":9007199254740993}"#,
    ]

    @Test(arguments: edgeCases) func edgeCasesDecodeAsJSONDecoderDoes(text: String) {
        #expect(claims(text, fast) == claims(text, reference))
        #expect(header(text, fast) == header(text, reference))
    }

    @Test func theFastPathTakesSupersetsShapes() {
        #expect(FlatJSONObject.parse(Array(#"{"channel":"c1","sub":"1","exp":1700000000}"#.utf8)) != nil)
        #expect(FlatJSONObject.parse(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8)) != nil)
        #expect(FlatJSONObject.parse(Array(#"{"a":"\u0062"}"#.utf8)) == nil, "escapes go to JSONDecoder")
    }

    /// 20,000 texts made of JSON's pieces in random order (seeded): valid and invalid,
    /// flat and nested. Every one decodes the same both ways.
    @Test func generatedTextsDecodeAsJSONDecoderDoes() {
        let pieces = [
            "{", "}", "[", "]", ",", ":", " ", "\"", "\"exp\"", "\"nbf\"", "\"channel\"", "\"sub\"", "\"alg\"", "\"c1\"",
            "\"HS256\"", "0", "1", "-", ".", "e", "E", "+", "12", "1700000000", "true", "false", "null", "\\", "\\n",
            "\"é\"", "\n", "x",
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var fastAnswered = 0
        for _ in 0..<20_000 {
            var text = "{"
            for _ in 0..<random(12) { text += pieces[random(pieces.count)] }
            if random(4) > 0 { text += "}" }
            if FlatJSONObject.parse(Array(text.utf8)) != nil { fastAnswered += 1 }
            let (a, b) = (claims(text, fast), claims(text, reference))
            #expect(a == b, "\(text)")
            let (c, d) = (header(text, fast), header(text, reference))
            #expect(c == d, "\(text)")
        }
        #expect(fastAnswered > 100, "the generator reaches the fast path (\(fastAnswered) times)")
    }
}
