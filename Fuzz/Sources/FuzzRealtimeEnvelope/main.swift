// Superset 7's realtime envelope (`RealtimeEnvelope.decode`): any Pub/Sub message bytes.
// A decoded envelope's browser JSON must itself decode as a broadcast-free object starting
// with `{"topic":`, its resume form must start with `{"id":`, topic and scope are
// non-empty and every kept route is non-empty.
import Events
import FuzzSupport

fuzzMain { input in
    let bytes = Array(input.assumingMemoryBound(to: UInt8.self))
    guard case .success(let envelope) = RealtimeEnvelope.decode(bytes) else { return }
    precondition(envelope.browserJSON.starts(with: Array(#"{"topic":"#.utf8)), "browser JSON does not start with the topic")
    precondition(envelope.browserJSON.last == UInt8(ascii: "}"), "browser JSON is not an object")
    precondition(envelope.browserJSON(withID: "00").starts(with: Array(#"{"id":"00","topic":"#.utf8)), "resume form broken")
    precondition(!envelope.topic.isEmpty && !envelope.scope.isEmpty, "empty topic or scope accepted")
    precondition(!envelope.isBroadcast || envelope.routes.isEmpty, "a broadcast kept routes")
    precondition(envelope.routes.allSatisfy { !$0.isEmpty }, "an empty route accepted")
}
