import Testing
@testable import Events

/// Superset 7's realtime envelope against the vectors in `Fixtures/realtime.json`: the
/// browser's bytes must be exactly what upstream's `JSON.stringify({topic, payload})` prints.
@Suite struct RealtimeEnvelopeTests {
    static let vectors = (try? Fixtures.realtime.get()) ?? Fixtures.Realtime(valid: [], invalid: [])

    @Test func theFixturesLoad() throws {
        let vectors = try Fixtures.realtime.get()
        #expect(vectors.valid.count >= 10)
        #expect(vectors.invalid.count >= 10)
    }

    @Test(arguments: vectors.valid)
    func validMessagesGiveUpstreamsBytes(_ vector: Fixtures.Realtime.Valid) throws {
        let envelope = try RealtimeEnvelope.decode(Array(vector.message.utf8)).get()
        #expect(String(decoding: envelope.browserJSON, as: UTF8.self) == vector.browser)
        #expect(envelope.scope == vector.scope)
        #expect(envelope.routes == vector.routes)
    }

    @Test(arguments: vectors.invalid)
    func invalidMessagesAreSkippedWithTheirReason(_ vector: Fixtures.Realtime.Invalid) {
        guard case .failure(let error) = RealtimeEnvelope.decode(Array(vector.message.utf8)) else {
            Issue.record("decoded a message that must be skipped")
            return
        }
        let name = "\(error)".isEmpty ? "" : Self.caseName(error)
        #expect(name == vector.error)
    }

    @Test func theResumeIDGoesFirstAndTheRestIsUnchanged() throws {
        let envelope = try RealtimeEnvelope.decode(Array(#"{"topic": "task.status", "scope": "principal", "routes": ["user:1"], "payload": {"a": 1}}"#.utf8)).get()
        #expect(String(decoding: envelope.browserJSON(withID: "00ff"), as: UTF8.self)
            == #"{"id":"00ff","topic":"task.status","payload":{"a":1}}"#)
    }

    /// What the CLI, the chaos test and the tests publish decodes back to what they meant.
    @Test func theProducerShapeRoundTrips() throws {
        let routes = ["user:1", "user:\"q\\b", "user:\u{1}\n:tab", "guest:é"]
        let message = SupersetEvent.realtimeJSON(topic: "task.status", scope: "tab", routes: routes, payload: #"{"a": 1}"#)
        #expect(message.hasPrefix(#"{"topic": "task.status", "scope": "tab", "routes": ["user:1", "#))
        let envelope = try RealtimeEnvelope.decode(Array(message.utf8)).get()
        #expect(envelope.routes == routes)
        #expect(String(decoding: envelope.browserJSON, as: UTF8.self) == #"{"topic":"task.status","payload":{"a":1}}"#)
        let broadcast = SupersetEvent.realtimeJSON(topic: "entity.changed", scope: "authenticated_global", routes: [], payload: "null")
        #expect(broadcast == #"{"topic": "entity.changed", "scope": "authenticated_global", "payload": null}"#)
    }

    @Test func errorDescriptionsNeverQuoteThePayload() {
        let secret = "s3cr3t-payload-value"
        for message in [#"{"topic": "x.y", "scope": "principal", "payload": "\#(secret)"}"#, "{\"payload\": \"\(secret)\""] {
            guard case .failure(let error) = RealtimeEnvelope.decode(Array(message.utf8)) else { continue }
            #expect(!"\(error)".contains(secret))
        }
    }

    static func caseName(_ error: RealtimeEnvelopeError) -> String {
        switch error {
        case .invalidJSON: "invalidJSON"
        case .notAnObject: "notAnObject"
        case .missingTopic: "missingTopic"
        case .badScope: "badScope"
        case .badRoutes: "badRoutes"
        }
    }
}
