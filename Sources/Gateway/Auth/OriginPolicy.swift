/// The `allowedOrigins` rule of upstream: an empty allowlist, or one containing `*`,
/// allows every request; otherwise the `Origin` header must equal an entry exactly,
/// and a request without `Origin` is refused.
public struct OriginPolicy: Sendable, Equatable {
    private let allowed: Set<String>
    private let allowsAll: Bool

    public init(allowedOrigins: [String]) {
        self.allowed = Set(allowedOrigins)
        self.allowsAll = allowedOrigins.isEmpty || allowedOrigins.contains("*")
    }

    public func allows(origin: String?) -> Bool {
        if allowsAll { return true }
        guard let origin else { return false }
        return allowed.contains(origin)
    }
}
