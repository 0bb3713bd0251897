import Events
import Foundation

/// What a successful upgrade request is admitted as.
public struct Admission: Sendable, Equatable {
    public var channelID: String
    /// The `last_id` to replay after, when the request carried a well-formed one.
    public var lastID: StreamID?
}

/// Why an upgrade request is refused, and the HTTP status it is answered with.
public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
    case originNotAllowed
    case tokenMissing
    case token(TokenRejection)
    case realtime(RealtimeTokenRejection)

    public var status: Int {
        switch self {
        case .originNotAllowed: 403
        case .tokenMissing, .token, .realtime: 401
        }
    }

    public var description: String {
        switch self {
        case .originNotAllowed: "Origin not allowed"
        case .tokenMissing: "JWT not present"
        case .token(let rejection): rejection.description
        case .realtime(let rejection): rejection.description
        }
    }
}

/// Decides an upgrade request, in upstream's order: Origin first, then the JWT cookie.
/// Pure: it changes no state, so a refused request leaves nothing behind.
public struct HandshakeAuthorizer: Sendable {
    public let origins: OriginPolicy
    public let verifier: TokenVerifier
    public let cookieName: String

    public init(origins: OriginPolicy, verifier: TokenVerifier, cookieName: String) {
        self.origins = origins
        self.verifier = verifier
        self.cookieName = cookieName
    }

    public func authorize(origin: String?, cookieHeaders: [String], now: Date = Date()) -> Result<String, Refusal> {
        guard origins.allows(origin: origin) else { return .failure(.originNotAllowed) }
        guard let token = CookieHeader.value(named: cookieName, in: cookieHeaders), !token.isEmpty else {
            return .failure(.tokenMissing)
        }
        return verifier.verify(token, now: now).mapError(Refusal.token)
    }
}

/// Reads `last_id` from a request URI's query string (first occurrence, percent-decoded).
public enum LastIDQuery {
    public enum Outcome: Equatable, Sendable {
        case absent
        case valid(StreamID)
        case malformed(String)
    }

    public static func parse(uri: String) -> Outcome {
        guard let value = QueryParameters(uri: uri)["last_id"] else { return .absent }
        if let id = StreamID(clientLastID: value) { return .valid(id) }
        return .malformed(String(value.prefix(64)))
    }
}
