import Foundation
import JWTKit

/// The principal a valid `superset-ws-token` binds a socket to.
public struct RealtimePrincipal: Sendable, Equatable {
    /// The routing key: `user:<id>` or `guest:<hmac>`.
    public var channel: String
    /// `exp`, seconds since the epoch: the socket is closed then.
    public var expiresAt: Double
}

/// Why a realtime token was refused. Safe to log: never contains the token.
public enum RealtimeTokenRejection: Error, Equatable, Sendable, CustomStringConvertible {
    case token(TokenRejection)
    case missingExpiry
    case wrongAudience
    case wrongIssuer
    case badPrincipal(String)

    public var description: String {
        switch self {
        case .token(let rejection): rejection.description
        case .missingExpiry: "JWT has no exp"
        case .wrongAudience: "JWT audience is not superset-websocket"
        case .wrongIssuer: "JWT issuer is not superset"
        case .badPrincipal(let reason): reason
        }
    }
}

/// Verifies Superset 7's realtime cookie as upstream's server does
/// (`superset/websocket/channel.py` mints it): HS256 signed with `jwtSecret` or, during a
/// rotation, `previousJwtSecret`; `aud` = `superset-websocket`, `iss` = `superset`, `exp`
/// required; `principal_type` `user` with `channel` = `user:<sub>`, or `guest` with
/// `channel` = `sub` = `guest:<hmac>` (upstream 7.0's `readSocketIdentity` and
/// `principalChannel`, superset-websocket/src/index.ts).
public struct RealtimeTokenVerifier: Sendable {
    public static let audience = "superset-websocket"
    public static let issuer = "superset"

    private let secrets: [any JWTAlgorithm]
    private let allowedAlgorithms: Set<String>
    private let parser = DefaultJWTParser()

    public init(secret: String, previousSecret: String, allowedAlgorithms: [String]) {
        let names = Set(allowedAlgorithms)
        self.allowedAlgorithms = names
        // One algorithm per secret; the header's `alg` picks the digest.
        self.secrets = [secret, previousSecret].filter { !$0.isEmpty }.flatMap { secret in
            names.sorted().compactMap { HMACAlgorithms.named($0, secret: secret) }
        }
    }

    public func verify(_ token: String, now: Date = Date()) -> Result<RealtimePrincipal, RealtimeTokenRejection> {
        let bytes = Array(token.utf8)
        guard let lastDot = bytes.lastIndex(of: UInt8(ascii: ".")) else { return .failure(.token(.malformed)) }
        let parsed: (header: JWTHeader, payload: RealtimeClaims, signature: Data)
        do {
            parsed = try parser.parse(bytes, as: RealtimeClaims.self)
        } catch {
            return .failure(.token(.malformed))
        }
        guard let alg = parsed.header.alg, allowedAlgorithms.contains(alg) else {
            return .failure(.token(.algorithmNotAllowed(parsed.header.alg ?? "(none)")))
        }
        let signed = bytes[..<lastDot]
        guard secrets.contains(where: { $0.name == alg && (try? $0.verify(parsed.signature, signs: signed)) == true }) else {
            return .failure(.token(.badSignature))
        }
        let claims = parsed.payload
        guard let exp = claims.exp else { return .failure(.missingExpiry) }
        let nowSeconds = now.timeIntervalSince1970.rounded(.down)
        if nowSeconds >= exp { return .failure(.token(.expired)) }
        if let nbf = claims.nbf, nbf > nowSeconds { return .failure(.token(.notYetValid)) }
        guard claims.audiences.contains(Self.audience) else { return .failure(.wrongAudience) }
        guard claims.issuer == Self.issuer else { return .failure(.wrongIssuer) }
        guard let channel = claims.channel, !channel.isEmpty else { return .failure(.token(.missingChannel)) }
        guard let sub = claims.sub, !sub.isEmpty else { return .failure(.badPrincipal("JWT has no sub")) }
        switch claims.principalType {
        case "user":
            guard channel == "user:\(sub)" else { return .failure(.badPrincipal("JWT channel does not match its user")) }
        case "guest":
            // Upstream's principalChannel: a guest key is namespaced by Superset, so an
            // unprefixed subject could collide with another principal's channel.
            guard sub.hasPrefix("guest:"), channel == sub else { return .failure(.badPrincipal("JWT channel does not match its guest")) }
        default:
            return .failure(.badPrincipal("JWT principal_type is not user or guest"))
        }
        return .success(RealtimePrincipal(channel: channel, expiresAt: exp))
    }
}

/// The claims of the realtime cookie; non-string values of string claims are treated as absent.
struct RealtimeClaims: JWTPayload {
    var exp: Double?
    var nbf: Double?
    var audiences: [String]
    var issuer: String?
    var sub: String?
    var principalType: String?
    var channel: String?

    private enum Key: String, CodingKey {
        case exp, nbf, aud, iss, sub, channel
        case principalType = "principal_type"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        exp = try Self.time(.exp, in: container)
        nbf = try Self.time(.nbf, in: container)
        if let one = try? container.decode(String.self, forKey: .aud) {
            audiences = [one]
        } else {
            // jsonwebtoken: a list passes when any entry is the audience, whatever the others are.
            audiences = ((try? container.decode([LenientString].self, forKey: .aud)) ?? []).compactMap(\.value)
        }
        issuer = try? container.decode(String.self, forKey: .iss)
        sub = try? container.decode(String.self, forKey: .sub)
        principalType = try? container.decode(String.self, forKey: .principalType)
        channel = try? container.decode(String.self, forKey: .channel)
    }

    /// A present time claim must be a number (PyJWT and jsonwebtoken refuse others).
    private static func time(_ key: Key, in container: KeyedDecodingContainer<Key>) throws -> Double? {
        guard container.contains(key) else { return nil }
        return try container.decode(Double.self, forKey: key)
    }

    func encode(to encoder: any Encoder) throws {}

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A JSON value that is a string, or nil for any other value (one entry of an `aud` list).
private struct LenientString: Decodable {
    let value: String?

    init(from decoder: any Decoder) throws {
        value = try? decoder.singleValueContainer().decode(String.self)
    }
}
