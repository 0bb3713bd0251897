/// Why a stream entry cannot be delivered. The caller logs it and skips the entry.
///
/// Descriptions are short and never quote the entry's value (it can be large, and it is
/// user data).
public enum EventDecodingError: Error, Equatable, CustomStringConvertible {
    /// The entry has no field at all.
    case noFields
    /// The first field's value is not JSON that `JSON.parse` accepts; the reason says where.
    case invalidJSON(String)
    /// The value is valid JSON but not an object.
    case notAnObject
    /// The value is an object whose `channel_id` is absent or not a string.
    case missingChannelID

    /// The kind of fault, without its details: what a log throttle groups by.
    public var kind: String {
        switch self {
        case .noFields: "no fields"
        case .invalidJSON: "not JSON"
        case .notAnObject: "not an object"
        case .missingChannelID: "no string channel_id"
        }
    }

    public var description: String {
        switch self {
        case .noFields: "stream entry has no fields"
        case .invalidJSON(let reason): "value is not valid JSON: \(reason)"
        case .notAnObject: "value is not a JSON object"
        case .missingChannelID: "value has no string channel_id"
        }
    }
}
