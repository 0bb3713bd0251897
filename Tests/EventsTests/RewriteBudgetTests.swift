import Testing

@testable import Events

/// Objects that JavaScript enumerates in another order (integer-like or repeated keys)
/// are rewritten when they close; nested around a large payload that would cost
/// bytes × levels, so the rewrites of one value share a budget of 8× its size + 16 MiB.
@Suite struct RewriteBudgetTests {
    static func nested(depth: Int, payloadBytes: Int) -> String {
        let open = String(repeating: "{\"1\": 0, \"a\": ", count: depth)
        let close = String(repeating: "}", count: depth)
        return "{\"channel_id\": \"c\", \"p\": " + open + "\"" + String(repeating: "x", count: payloadBytes) + "\"" + close + "}"
    }

    static func encode(_ value: String) -> Result<EncodedEvent, EventDecodingError> {
        EventEncoder.encode(StreamEntry(id: StreamID(milliseconds: 1, sequence: 0), fields: [StreamField(name: "data", value: value)]))
    }

    @Test func deepReorderingAroundALargePayloadIsRefused() {
        // 998 levels around 1 MiB: about 1 GB of copying; the budget is about 24 MB.
        guard case .failure(let error) = Self.encode(Self.nested(depth: 998, payloadBytes: 1 << 20)) else {
            Issue.record("a poisoned value was accepted")
            return
        }
        #expect(error.description.contains("too much of the value"), "\(error)")
    }

    @Test func reorderingWithinTheBudgetIsStillExact() throws {
        // 998 levels around 10 bytes, and 4 levels around 1 MiB: both within the budget.
        for (depth, bytes) in [(998, 10), (4, 1 << 20)] {
            let event = try Self.encode(Self.nested(depth: depth, payloadBytes: bytes)).get()
            let text = String(decoding: event.json, as: UTF8.self)
            // JavaScript's order: the integer-like key "1" first, as written here already.
            #expect(text.hasPrefix("{\"id\":\"1-0\",\"channel_id\":\"c\",\"p\":{\"1\":0,\"a\":{\"1\":0,"))
        }
        // An object whose integer-like key comes last is rewritten into JavaScript's order.
        let event = try Self.encode("{\"channel_id\": \"c\", \"o\": {\"b\": 1, \"2\": 2, \"1\": 3}}").get()
        #expect(String(decoding: event.json, as: UTF8.self) == "{\"id\":\"1-0\",\"channel_id\":\"c\",\"o\":{\"1\":3,\"2\":2,\"b\":1}}")
    }

    @Test func theBudgetIsLinearInTheInput() {
        #expect(JSONTransformer.rewriteBudget(forInputOf: 0) == 16 << 20)
        #expect(JSONTransformer.rewriteBudget(forInputOf: 1_000_000) == 8_000_000 + 16 << 20)
    }
}
