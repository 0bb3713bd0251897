import Events
import Testing

/// Upstream's `incrementId` and id comparison, as `StreamID` does them.
@Suite struct StreamIDTests {
    @Test func successorIncrementsTheSequence() {
        #expect(StreamID(redis: "1607477697866-0")!.successor == StreamID(redis: "1607477697866-1"))
        #expect(StreamID(redis: "1607477697866-41")!.successor.description == "1607477697866-42")
    }

    @Test func successorCarriesIntoMilliseconds() {
        let last = StreamID(milliseconds: 7, sequence: .max)
        #expect(last.successor == StreamID(milliseconds: 8, sequence: 0))
    }

    @Test func orderIsNumericNotLexical() {
        #expect(StreamID(redis: "9-0")! < StreamID(redis: "10-0")!)
        #expect(StreamID(redis: "10-2")! < StreamID(redis: "10-10")!)
    }

    @Test func redisIdsParseStrictly() {
        #expect(StreamID(redis: "18446744073709551615-18446744073709551615") != nil)
        #expect(StreamID(redis: "18446744073709551616-0") == nil)
        #expect(StreamID(redis: "1-") == nil)
        #expect(StreamID(redis: "x-1") == nil)
    }
}
