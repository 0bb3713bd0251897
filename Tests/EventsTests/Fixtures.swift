import Foundation
import Testing
@testable import Events

/// The shared message vectors (`Fixtures/messages.json`, a copy of
/// `shared/vectors/messages.json` plus node-generated cases) and the node-generated
/// number and string tables.
enum Fixtures {
    struct ValidCase: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let entry_id: String
        let field: String
        let value: String
        let expected: String
        var testDescription: String { name }
    }

    struct InvalidCase: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let value: String
        /// Present on the node-generated cases: `invalidJSON`, `notAnObject` or `missingChannelID`.
        let error: String?
        var testDescription: String { name }
    }

    struct Messages: Decodable, Sendable {
        let valid: [ValidCase]
        let invalid_skip: [InvalidCase]
    }

    /// `[literal, expected]` pairs.
    struct Pair: Sendable, CustomTestStringConvertible {
        let input: String
        let expected: String
        var testDescription: String { input.count > 60 ? String(input.prefix(60)) + "…" : input }
    }

    static let messages: Result<Messages, FixtureError> = load("messages", as: Messages.self)
    static let numbers: Result<[Pair], FixtureError> = load("numbers", as: [[String]].self).map(pairs)
    static let strings: Result<[Pair], FixtureError> = load("strings", as: [[String]].self).map(pairs)

    /// `Fixtures/realtime.json` (made by `scripts/make-realtime-vectors.js` with Node).
    struct Realtime: Decodable, Sendable {
        struct Valid: Decodable, Sendable, CustomTestStringConvertible {
            let name: String
            let message: String
            let scope: String
            let routes: [String]
            let browser: String
            var testDescription: String { name }
        }

        struct Invalid: Decodable, Sendable, CustomTestStringConvertible {
            let name: String
            let message: String
            let error: String
            var testDescription: String { name }
        }

        let valid: [Valid]
        let invalid: [Invalid]
    }

    static let realtime: Result<Realtime, FixtureError> = load("realtime", as: Realtime.self)

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
    }

    private static func load<T: Decodable>(_ name: String, as type: T.Type) -> Result<T, FixtureError> {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            return .failure(FixtureError(description: "Fixtures/\(name).json missing from the test bundle"))
        }
        do {
            return .success(try JSONDecoder().decode(T.self, from: Data(contentsOf: url)))
        } catch {
            return .failure(FixtureError(description: "Fixtures/\(name).json: \(error)"))
        }
    }

    private static func pairs(_ rows: [[String]]) -> [Pair] {
        rows.map { Pair(input: $0[0], expected: $0.count > 1 ? $0[1] : "<malformed row>") }
    }
}

/// Encodes one field's value under `id`, the way the reader will.
func encode(_ value: [UInt8], id: String = "1-0", field: String = "data") -> Result<EncodedEvent, EventDecodingError> {
    EventEncoder.encode(StreamEntry(id: StreamID(redis: id)!, fields: [StreamField(name: Array(field.utf8), value: value)]))
}

func encode(_ value: String, id: String = "1-0", field: String = "data") -> Result<EncodedEvent, EventDecodingError> {
    encode(Array(value.utf8), id: id, field: field)
}

/// The JSON text of a successful encoding, or the error's description.
func encodedText(_ value: String, id: String = "1-0") -> String {
    switch encode(value, id: id) {
    case .success(let event): String(decoding: event.json, as: UTF8.self)
    case .failure(let error): "error: \(error)"
    }
}

extension Result where Failure == EventDecodingError {
    var error: EventDecodingError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
