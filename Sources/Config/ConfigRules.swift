/// Rules beyond the JSON type, referenced from the key table.
enum Rules {
    /// The algorithms we can verify with one shared secret. `none` and asymmetric
    /// algorithms (RS*, ES*, PS*, EdDSA) are refused: with a shared secret they
    /// would either accept unsigned tokens or be unverifiable.
    static let allowedJWTAlgorithms = ["HS256", "HS384", "HS512"]

    /// Upstream refuses to start with a shorter secret.
    static let minimumJWTSecretBytes = 32

    /// `config.example.json`, which the Debian package installs as its configuration
    /// file, holds a placeholder secret starting with this. A secret starting with it
    /// is refused whatever its length, so that the packaged service does not start
    /// until the operator sets the real one.
    static let placeholderSecretPrefix = "CHANGE-ME"

    @Sendable static func nonEmpty(_ value: String) -> [ConfigFinding] {
        value.isEmpty ? [.error("must not be empty")] : []
    }

    @Sendable static func logLevel(_ value: String) -> [ConfigFinding] {
        guard ServiceConfig.swiftLogLevelName(for: value) == nil else { return [] }
        let names = ServiceConfig.logLevelNames.map(\.key).joined(separator: ", ")
        return [.error("\(quoted(value)) is not a log level; use one of: \(names)")]
    }

    @Sendable static func jwtSecret(_ value: String) -> [ConfigFinding] {
        if value.hasPrefix(placeholderSecretPrefix) {
            return [.error(placeholderSecretMessage)]
        }
        if value.utf8.count < minimumJWTSecretBytes {
            return [.error("Please provide a JWT secret at least \(minimumJWTSecretBytes) bytes long")]
        }
        return []
    }

    static let placeholderSecretMessage = """
        is still the packaged placeholder (it starts with \(placeholderSecretPrefix)); \
        set it to the secret Superset signs its async-token cookie with \
        (GLOBAL_ASYNC_QUERIES_JWT_SECRET, at least \(minimumJWTSecretBytes) bytes, \
        e.g. from `openssl rand -hex 32`), or set JWT_SECRET, then start the service again
        """

    @Sendable static func serviceProtocol(_ value: String) -> [ConfigFinding] {
        guard ServiceProtocol(rawValue: value) == nil else { return [] }
        let names = ServiceProtocol.allCases.map(\.rawValue).joined(separator: ", ")
        return [.error("\(quoted(value)) is not a protocol; use one of: \(names)")]
    }

    /// Empty (no rotation in progress), or as long as `jwtSecret` must be.
    @Sendable static func previousJwtSecret(_ value: String) -> [ConfigFinding] {
        guard !value.isEmpty else { return [] }
        return value.utf8.count < minimumJWTSecretBytes
            ? [.error("must be empty or at least \(minimumJWTSecretBytes) bytes long")] : []
    }

    @Sendable static func jwtAlgorithms(_ value: [String]) -> [ConfigFinding] {
        if value.isEmpty {
            return [.error("must name at least one of \(allowedJWTAlgorithms.joined(separator: ", "))")]
        }
        let refused = value.filter { !allowedJWTAlgorithms.contains($0) }
        guard !refused.isEmpty else { return [] }
        let names = refused.map(quoted).joined(separator: ", ")
        return [.error("\(names) not supported; only \(allowedJWTAlgorithms.joined(separator: ", ")) can be verified with the shared jwtSecret")]
    }

    /// `sizeof(sockaddr_un.sun_path)` on Linux, less the terminating NUL.
    static let maximumUnixSocketPathBytes = 107

    @Sendable static func unixSocketPath(_ value: String) -> [ConfigFinding] {
        if value.utf8.count > maximumUnixSocketPathBytes {
            return [.error("is \(value.utf8.count) bytes long; a unix socket path has at most \(maximumUnixSocketPathBytes)")]
        }
        if value.contains("\0") { return [.error("must not contain a NUL character")] }
        return []
    }

    @Sendable static func serverName(_ value: String) -> [ConfigFinding] {
        value.contains(where: { $0.isWhitespace || $0 == "/" }) ? [.error("\(quoted(value)) is not a host name")] : []
    }

    @Sendable static func sentinels(_ value: [String]) -> [ConfigFinding] {
        value.enumerated().compactMap { index, entry in
            guard ServiceConfig.RedisConfig.parseHostAndPort(entry) == nil else { return nil }
            return .error("item \(index) \(quoted(entry)) is not host:port (IPv6 as [address]:port)")
        }
    }

    static func quoted(_ value: String) -> String { JSONText.quoted(value) }
}
