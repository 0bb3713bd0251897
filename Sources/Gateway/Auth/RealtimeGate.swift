import Foundation

/// Decides Superset 7 upgrades: which requests are realtime ones, and what they are
/// admitted as. Pure, like `HandshakeAuthorizer`: a refused request leaves nothing behind.
public struct RealtimeGate: Sendable {
    public let origins: OriginPolicy
    public let verifier: RealtimeTokenVerifier
    public let cookieName: String
    /// With `both`, a request without the realtime cookie is a streams request.
    public let servesStreams: Bool

    public init(origins: OriginPolicy, verifier: RealtimeTokenVerifier, cookieName: String, servesStreams: Bool) {
        self.origins = origins
        self.verifier = verifier
        self.cookieName = cookieName
        self.servesStreams = servesStreams
    }

    /// Whether a request goes the realtime way: always with `realtime`; with `both`,
    /// when it carries the realtime cookie.
    public func claims(_ cookieHeaders: [String]) -> Bool {
        !servesStreams || CookieHeader.value(named: cookieName, in: cookieHeaders) != nil
    }

    func admit(origin: String?, cookieHeaders: [String], uri: String, now: Date = Date()) -> Result<RealtimeBinding, Refusal> {
        guard origins.allows(origin: origin) else { return .failure(.originNotAllowed) }
        guard let token = CookieHeader.value(named: cookieName, in: cookieHeaders), !token.isEmpty else {
            return .failure(.tokenMissing)
        }
        switch verifier.verify(token, now: now) {
        case .failure(let rejection):
            return .failure(.realtime(rejection))
        case .success(let principal):
            let query = QueryParameters(uri: uri)
            let tab = query["tab_id"].flatMap { RealtimeBinding.isValidTab($0) ? $0 : nil }
            let resume = query["resume"] == "1"
            return .success(RealtimeBinding(
                channel: principal.channel, tab: tab, resume: resume,
                lastMessageID: resume ? query["last_message_id"].flatMap { $0.isEmpty ? nil : String($0.prefix(64)) } : nil,
                expiresAt: principal.expiresAt))
        }
    }

    /// A `tab_id` that was given but does not match upstream's pattern (ignored, as
    /// upstream's server ignores it: the socket gets its principal's messages only).
    func ignoredTab(uri: String) -> String? {
        guard let tab = QueryParameters(uri: uri)["tab_id"], !RealtimeBinding.isValidTab(tab) else { return nil }
        return String(tab.prefix(64))
    }
}
