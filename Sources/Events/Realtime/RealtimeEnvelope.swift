/// One message of Superset 7's realtime protocol, as its producer publishes it on the
/// Pub/Sub channel `<prefix>realtime`: `{topic, scope, routes?, payload}`.
///
/// Validation follows upstream 7.0's `parseRealtimeEnvelope` (superset-websocket/src/index.ts):
/// - `topic`: a non-empty string (`task.status`, `entity.changed`, or any other: upstream
///   forwards every topic and the browser dispatches on it).
/// - `scope`: a non-empty string. `authenticated_global` goes to every realtime socket;
///   any other scope (`principal`, `tab`, …) goes to the sockets matching one of `routes`.
/// - `routes`: optional for every scope, but when present a list of non-empty strings
///   (`user:<id>`, `guest:<hmac>`, `user:<id>:<tab>`). A targeted message without routes
///   is valid and reaches no one. Never forwarded to the browser.
/// - `payload`: the feature's body, forwarded as is (absent: the browser JSON has no
///   `payload`, as `JSON.stringify` drops `undefined`).
///
/// The browser receives `JSON.stringify({topic, payload})` of the parsed message, byte
/// for byte: that is `browserJSON`. The wire format lives here, apart from the gateway
/// that routes it, as the streams format lives in `EventEncoder`.
public struct RealtimeEnvelope: Sendable, Equatable {
    /// Upstream's broadcast scope (`SCOPE_AUTHENTICATED_GLOBAL`).
    public static let broadcastScope = "authenticated_global"

    public let topic: String
    public let scope: String
    /// Empty for `authenticated_global` (routes are not used for a broadcast), and for a
    /// targeted message that names none.
    public let routes: [String]

    /// `authenticated_global`: every realtime socket gets it.
    public var isBroadcast: Bool { scope == Self.broadcastScope }
    /// `{"topic":…,"payload":…}`, compact, as upstream's server sends it.
    public let browserJSON: [UInt8]

    /// The same message with this server's resume id first (`{"id":…,"topic":…,"payload":…}`),
    /// sent only to sockets that opted in with `?resume=1`.
    public func browserJSON(withID id: String) -> [UInt8] {
        var bytes = Array("{\"id\":".utf8)
        bytes.reserveCapacity(browserJSON.count + id.utf8.count + 8)
        // Ids are hex digits: nothing to escape.
        bytes.append(ASCII.quote)
        bytes.append(contentsOf: id.utf8)
        bytes.append(ASCII.quote)
        bytes.append(ASCII.comma)
        bytes.append(contentsOf: browserJSON.dropFirst())
        return bytes
    }

    /// Decodes one Pub/Sub message, or says why it must be skipped.
    public static func decode(_ message: [UInt8]) -> Result<RealtimeEnvelope, RealtimeEnvelopeError> {
        let parsed: Result<[UInt8]?, JSONSyntaxError> = message.withUnsafeBufferPointer { input in
            var transformer = JSONTransformer(input: input)
            do throws(JSONSyntaxError) {
                guard case .object = try transformer.run() else { return .success(nil) }
                return .success(transformer.output)
            } catch {
                return .failure(error)
            }
        }
        let canonical: [UInt8]
        switch parsed {
        case .failure(let error): return .failure(.invalidJSON(error.description))
        case .success(nil): return .failure(.notAnObject)
        case .success(let bytes?): canonical = bytes
        }
        let members = CanonicalObject.members(of: canonical)
        guard let topicValue = members["topic"], let topic = CanonicalObject.string(topicValue, in: canonical), !topic.isEmpty else {
            return .failure(.missingTopic)
        }
        guard let scopeValue = members["scope"], let scope = CanonicalObject.string(scopeValue, in: canonical), !scope.isEmpty
        else { return .failure(.badScope) }
        // Present routes must be valid whatever the scope, as upstream checks them.
        var routes: [String] = []
        if let routesValue = members["routes"] {
            guard let list = CanonicalObject.strings(routesValue, in: canonical), list.allSatisfy({ !$0.isEmpty })
            else { return .failure(.badRoutes) }
            if scope != broadcastScope { routes = list }
        }
        var browser = Array("{\"topic\":".utf8)
        browser.append(contentsOf: canonical[topicValue])
        if let payload = members["payload"] {
            browser.append(contentsOf: ",\"payload\":".utf8)
            browser.append(contentsOf: canonical[payload])
        }
        browser.append(ASCII.closeBrace)
        return .success(RealtimeEnvelope(topic: topic, scope: scope, routes: routes, browserJSON: browser))
    }
}

/// Why a Pub/Sub message is skipped. Descriptions never quote the payload.
public enum RealtimeEnvelopeError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidJSON(String)
    case notAnObject
    case missingTopic
    case badScope
    case badRoutes

    /// The kind of fault, for log throttling.
    public var kind: String {
        switch self {
        case .invalidJSON: "not JSON"
        case .notAnObject: "not an object"
        case .missingTopic: "no topic"
        case .badScope: "no scope"
        case .badRoutes: "bad routes"
        }
    }

    public var description: String {
        switch self {
        case .invalidJSON(let reason): "message is not valid JSON: \(reason)"
        case .notAnObject: "message is not a JSON object"
        case .missingTopic: "message has no string topic"
        case .badScope: "message has no string scope"
        case .badRoutes: "routes is not a list of non-empty strings"
        }
    }
}
