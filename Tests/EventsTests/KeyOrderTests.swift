import Testing
@testable import Events

/// JavaScript's object semantics, which `JSON.parse` and the spread `{id, ...parsed}` impose.
/// Expected texts checked against node v20.
@Suite("Object key semantics")
struct KeyOrderTests {
    @Test func duplicateKeepsLastValueAtFirstPosition() {
        #expect(encodedText(#"{"channel_id":"c","a":1,"b":2,"a":3}"#) == #"{"id":"1-0","channel_id":"c","a":3,"b":2}"#)
    }

    @Test func duplicateInNestedObjectsAndArrays() {
        #expect(encodedText(#"{"channel_id":"c","x":{"k":1,"m":[1],"k":{"z":2,"z":3}},"y":[{"q":1,"q":2}]}"#)
            == #"{"id":"1-0","channel_id":"c","x":{"k":{"z":3},"m":[1]},"y":[{"q":2}]}"#)
    }

    @Test func duplicateChannelIDTakesTheLastValue() throws {
        #expect(try encode(#"{"channel_id":1,"channel_id":"second"}"#).get().channelID == "second")
        #expect(encode(#"{"channel_id":"first","channel_id":null}"#).error == .missingChannelID)
    }

    @Test func integerKeysComeFirstAscending() {
        #expect(encodedText(#"{"b":1,"channel_id":"c","10":"ten","2":"two","0":"zero"}"#)
            == #"{"0":"zero","2":"two","10":"ten","id":"1-0","b":1,"channel_id":"c"}"#)
    }

    @Test func onlyCanonicalArrayIndicesAreIntegerKeys() {
        #expect(encodedText(#"{"channel_id":"c","4294967295":1,"4294967294":2,"01":3,"-1":4,"1.5":5,"1":6}"#)
            == #"{"1":6,"4294967294":2,"id":"1-0","channel_id":"c","4294967295":1,"01":3,"-1":4,"1.5":5}"#)
    }

    @Test func integerKeysInNestedObjects() {
        #expect(encodedText(#"{"channel_id":"c","n":{"b":1,"3":3,"b":2,"1":1,"3":33}}"#)
            == #"{"id":"1-0","channel_id":"c","n":{"1":1,"3":33,"b":2}}"#)
    }

    @Test func ownIDReplacesEntryIDInFirstPosition() {
        #expect(encodedText(#"{"channel_id":"c","job_id":"j","id":"mine"}"#) == #"{"id":"mine","channel_id":"c","job_id":"j"}"#)
        #expect(encodedText(#"{"id":1,"channel_id":"c","id":[2]}"#) == #"{"id":[2],"channel_id":"c"}"#)
        #expect(encodedText(#"{"5":5,"id":null,"channel_id":"c"}"#) == #"{"5":5,"id":null,"channel_id":"c"}"#)
    }

    @Test func keysCompareAsStringsNotAsWritten() {
        // "\u0061" is "a": a duplicate. "\u0031" is "1": an integer key.
        #expect(encodedText(#"{"channel_id":"c","a":1,"\u0061":2,"\u0031":3}"#) == #"{"1":3,"id":"1-0","channel_id":"c","a":2}"#)
        // Two different invalid bytes both decode to U+FFFD: the same key.
        let value: [UInt8] = Array(#"{"channel_id":"c",""#.utf8) + [0xFF] + Array(#"":1,""#.utf8) + [0xFE] + Array(#"":2}"#.utf8)
        #expect((try? encode(value).get().json) == Array(#"{"id":"1-0","channel_id":"c","\#u{FFFD}":2}"#.utf8))
    }

    @Test func protoIsAnOrdinaryKey() {
        #expect(encodedText(#"{"__proto__":{"x":1},"channel_id":"c"}"#) == #"{"id":"1-0","__proto__":{"x":1},"channel_id":"c"}"#)
    }

    @Test func largeObjectsFindDuplicatesToo() {
        let keys = (0..<100).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        let expectedKeys = (0..<100).map { #""k\#($0)":\#($0 == 50 ? "\"dup\"" : String($0))"# }.joined(separator: ",")
        #expect(encodedText(#"{"channel_id":"c",\#(keys),"k50":"dup"}"#) == #"{"id":"1-0","channel_id":"c",\#(expectedKeys)}"#)
        #expect(encodedText(#"{"channel_id":"c",\#(keys)}"#) == #"{"id":"1-0","channel_id":"c",\#(keys)}"#)
    }
}
