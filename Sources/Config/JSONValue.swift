import Foundation

/// A parsed JSON document that keeps booleans, integers and other numbers apart
/// (Foundation's `JSONSerialization` returns `NSNumber` for all three on Linux).
enum JSONValue: Equatable, Sendable {
    case null
    case boolean(Bool)
    case integer(Int)
    /// A number that is not an `Int`: fractional, or too large.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// How messages name the type of a value: "got <typeName>".
    var typeName: String {
        switch self {
        case .null: "null"
        case .boolean: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }
}

extension JSONValue: Decodable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .boolean(bool)
        } else if let int = try? container.decode(Int.self) {
            self = .integer(int)
        } else if let double = try? container.decode(Double.self) {
            self = .number(double)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}

extension JSONValue {
    /// Parses a document; the error is a short, human-readable reason.
    static func parse(_ data: Data) -> Result<JSONValue, ParseError> {
        do {
            return .success(try JSONDecoder().decode(JSONValue.self, from: data))
        } catch {
            // JSONDecoder does not say where the syntax error is; JSONSerialization does.
            var reason = "the data is not in the correct format"
            do {
                _ = try JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)
            } catch let syntaxError as NSError {
                if let detail = syntaxError.userInfo[NSDebugDescriptionErrorKey] as? String { reason = detail }
            }
            return .failure(ParseError(reason: reason))
        }
    }

    struct ParseError: Error {
        let reason: String
    }
}
