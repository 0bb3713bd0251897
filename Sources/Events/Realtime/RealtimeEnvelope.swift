/// One message of Superset 7's realtime protocol, as its producer publishes it on the
/// Pub/Sub channel `<prefix>realtime`: `{topic, scope, routes?, payload}`.
///
/// - `topic`: what the message is (`task.status`, `entity.changed`); the browser
///   dispatches on it.
/// - `scope`: who gets it: `authenticated_global` (every realtime socket) or
///   `principal`/`tab` (the sockets matching one of `routes`).
/// - `routes`: routing keys (`user:<id>`, `guest:<hmac>`, `user:<id>:<tab>`); never
///   forwarded to the browser.
/// - `payload`: the feature's body, forwarded as is.
///
/// The browser receives `JSON.stringify({topic, payload})` of the parsed message, byte
/// for byte: that is `browserJSON`. The wire format lives here, apart from the gateway
/// that routes it, as the streams format lives in `EventEncoder`.
public struct RealtimeEnvelope: Sendable, Equatable {
    public enum Scope: String, Sendable, Equatable {
        case authenticatedGlobal = "authenticated_global"
        case principal
        case tab
    }

    /// The topics Superset 7 publishes. Others are logged and skipped (issue 13): a
    /// browser would not know what to do with them.
    public static let knownTopics: Set<String> = ["task.status", "entity.changed"]

    public let topic: String
    public let scope: Scope
    /// Empty for `authenticated_global`.
    public let routes: [String]
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
        guard knownTopics.contains(topic) else { return .failure(.unknownTopic(String(topic.prefix(64)))) }
        guard let scopeValue = members["scope"], let scopeText = CanonicalObject.string(scopeValue, in: canonical),
              let scope = Scope(rawValue: scopeText)
        else { return .failure(.badScope) }
        var routes: [String] = []
        if scope != .authenticatedGlobal {
            guard let routesValue = members["routes"], let list = CanonicalObject.strings(routesValue, in: canonical),
                  !list.isEmpty, list.allSatisfy({ !$0.isEmpty })
            else { return .failure(.badRoutes) }
            routes = list
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
    case unknownTopic(String)
    case badScope
    case badRoutes

    /// The kind of fault, for log throttling.
    public var kind: String {
        switch self {
        case .invalidJSON: "not JSON"
        case .notAnObject: "not an object"
        case .missingTopic: "no topic"
        case .unknownTopic: "unknown topic"
        case .badScope: "bad scope"
        case .badRoutes: "bad routes"
        }
    }

    public var description: String {
        switch self {
        case .invalidJSON(let reason): "message is not valid JSON: \(reason)"
        case .notAnObject: "message is not a JSON object"
        case .missingTopic: "message has no string topic"
        case .unknownTopic(let topic): "unknown topic \(topic)"
        case .badScope: "scope is not authenticated_global, principal or tab"
        case .badRoutes: "a targeted message needs routes: a non-empty list of non-empty strings"
        }
    }
}
