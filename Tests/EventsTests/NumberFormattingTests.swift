import Testing
@testable import Events

@Suite("Numbers print as ECMAScript's Number::toString")
struct NumberFormattingTests {
    /// literal in the value → what JSON.stringify prints (checked against node v20).
    static let table: [(String, String)] = [
        ("0", "0"), ("-0", "0"), ("-0.0", "0"), ("0.0", "0"), ("-5", "-5"), ("1.5", "1.5"),
        ("100", "100"), ("2.0", "2"), ("1e20", "100000000000000000000"), ("1e21", "1e+21"),
        ("1e-6", "0.000001"), ("1e-7", "1e-7"), ("1e-07", "1e-7"), ("5e-324", "5e-324"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"), ("0.1", "0.1"),
        ("123e-20", "1.23e-18"), ("123456789012345678901", "123456789012345680000"),
        ("1E+2", "100"), ("1e400", "null"), ("-1e400", "null"), ("1e-400", "0"),
        ("9007199254740993", "9007199254740992"), ("999999999999999999999", "1e+21"),
        ("123456789012345", "123456789012345"), ("-1234567890123456", "-1234567890123456"),
        ("0.000001234", "0.000001234"), ("1.2345e-7", "1.2345e-7"), ("1e23", "1e+23"),
    ]

    @Test(arguments: table)
    func printsLikeJavaScript(_ literal: String, _ expected: String) {
        #expect(encodedText(#"{"channel_id":"c","n":\#(literal)}"#) == #"{"id":"1-0","channel_id":"c","n":\#(expected)}"#)
    }

    static let generated = (try? Fixtures.numbers.get()) ?? []

    @Test func generatedTableLoads() throws {
        #expect(try Fixtures.numbers.get().count >= 500)
    }

    /// Random doubles in many literal forms; expected output computed by node.
    @Test(arguments: generated)
    func generatedNumber(_ pair: Fixtures.Pair) {
        #expect(encodedText(#"{"channel_id":"c","n":\#(pair.input)}"#) == #"{"id":"1-0","channel_id":"c","n":\#(pair.expected)}"#)
    }

    @Test func formatterDirectly() {
        func text(_ value: Double) -> String {
            var out: [UInt8] = []
            ECMAScriptNumber.append(value, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        #expect(text(-0.0) == "0")
        #expect(text(.nan) == "null")
        #expect(text(.infinity) == "null")
        #expect(text(0.1 + 0.2) == "0.30000000000000004")
        #expect(text(1e21) == "1e+21")
        #expect(text(-1.5e-7) == "-1.5e-7")
        #expect(text(Double(UInt64.max)) == "18446744073709552000")
        #expect(text(.leastNonzeroMagnitude) == "5e-324")
        #expect(text(.greatestFiniteMagnitude) == "1.7976931348623157e+308")
    }
}
