// `last_id`: the query-string reader (`LastIDQuery.parse`, percent-decoding, `+`) and
// the stream-id parsers (`StreamID(clientLastID:)`, `StreamID(redis:)`,
// `StreamID(bytes:)`). Input: a request URI (or any text). A parsed id must print back
// to text that parses to the same id.
import Events
import FuzzSupport
import Gateway

fuzzMain { input in
    let text = String(decoding: input, as: UTF8.self)
    if case .valid(let id) = LastIDQuery.parse(uri: text) {
        precondition(StreamID(redis: id.description) == id, "\(id) does not round-trip")
    }
    if let id = StreamID(clientLastID: text) {
        precondition(StreamID(redis: id.description) == id, "\(id) does not round-trip")
    }
    if let id = StreamID(redis: text) {
        precondition(StreamID(redis: id.description) == id, "\(id) does not round-trip")
    }
    _ = StreamID(bytes: input.assumingMemoryBound(to: UInt8.self))
}
