import Testing
@testable import Events

@Suite("Message vectors (Fixtures/messages.json)")
struct MessageVectorTests {
    /// What each original shared `invalid_skip` case must fail with (the shared file does
    /// not say; the node-generated cases carry their own `error`). A new shared case with
    /// neither fails the test until it is classified here.
    static let sharedInvalidErrors: [String: String] = [
        "not JSON": "invalidJSON",
        "JSON array, not object": "notAnObject",
        "object without channel_id": "missingChannelID",
        "channel_id not a string": "missingChannelID",
        "truncated JSON": "invalidJSON",
        "trailing garbage": "invalidJSON",
        "invalid escape": "invalidJSON",
        "empty string": "invalidJSON",
    ]

    static let valid = (try? Fixtures.messages.get().valid) ?? []
    static let invalid = (try? Fixtures.messages.get().invalid_skip) ?? []

    @Test func fixturesLoad() throws {
        let messages = try Fixtures.messages.get()
        #expect(messages.valid.count >= 8)
        #expect(messages.invalid_skip.count >= 8)
    }

    @Test(arguments: valid)
    func validVectorIsByteExact(_ vector: Fixtures.ValidCase) throws {
        let id = try #require(StreamID(redis: vector.entry_id))
        let entry = StreamEntry(id: id, fields: [StreamField(name: vector.field, value: vector.value)])
        let event = try EventEncoder.encode(entry).get()
        #expect(String(decoding: event.json, as: UTF8.self) == vector.expected)
        #expect(event.json == Array(vector.expected.utf8))
        #expect(event.id == id)
    }

    @Test(arguments: invalid)
    func invalidVectorIsRejected(_ vector: Fixtures.InvalidCase) throws {
        let expected = try #require(
            vector.error ?? Self.sharedInvalidErrors[vector.name],
            "no expected error recorded for invalid_skip case \"\(vector.name)\"")
        let error = try #require(encode(vector.value).error, "accepted: \(vector.name)")
        switch (expected, error) {
        case ("invalidJSON", .invalidJSON), ("notAnObject", .notAnObject), ("missingChannelID", .missingChannelID):
            break
        default:
            Issue.record("\(vector.name): expected \(expected), got \(error)")
        }
    }

}
