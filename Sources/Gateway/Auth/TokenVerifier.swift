import Foundation
import Crypto
import JWTKit

/// Why a token was refused. The description is safe to log: it never contains the token.
public enum TokenRejection: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed
    case algorithmNotAllowed(String)
    case badSignature
    case expired
    case notYetValid
    case invalidTimeClaim(String)
    case missingChannel

    public var description: String {
        switch self {
        case .malformed: "malformed JWT"
        case .algorithmNotAllowed(let alg): "JWT algorithm \(alg.prefix(16)) not allowed"
        case .badSignature: "invalid JWT signature"
        case .expired: "JWT expired"
        case .notYetValid: "JWT not active yet"
        case .invalidTimeClaim(let claim): "JWT claim \(claim) is not a number"
        case .missingChannel: "Channel ID not present in JWT"
        }
    }
}

/// Verifies Superset's `async-token` cookie: HS256/384/512 with the shared secret,
/// the header's `alg` in the `jwtAlgorithms` allowlist, `exp` and `nbf` when present
/// (as `jsonwebtoken` does, with no clock tolerance), and the channel claim.
///
/// Parsing is jwt-kit's (`DefaultJWTParser`, with `ClaimsJSONDecoder`'s fast path for
/// Superset's flat JSON); signatures are checked by a
/// `JWTAlgorithm` per allowed name. Verification is synchronous, so a handshake runs
/// entirely on the event loop.
public struct TokenVerifier: Sendable {
    private let algorithms: [String: any JWTAlgorithm]
    private let channelClaim: String
    private let parser = DefaultJWTParser(jsonDecoder: ClaimsJSONDecoder())

    /// - Parameters:
    ///   - secret: the shared HMAC secret.
    ///   - allowedAlgorithms: names from `jwtAlgorithms`; only HS256, HS384, HS512 can verify.
    ///   - channelClaim: the claim holding the channel id (`jwtChannelIdKey`).
    public static func make(secret: String, allowedAlgorithms: [String], channelClaim: String) -> TokenVerifier {
        var algorithms: [String: any JWTAlgorithm] = [:]
        for name in Set(allowedAlgorithms) {
            algorithms[name] = HMACAlgorithms.named(name, secret: secret)
        }
        return TokenVerifier(algorithms: algorithms, channelClaim: channelClaim)
    }

    private init(algorithms: [String: any JWTAlgorithm], channelClaim: String) {
        self.algorithms = algorithms
        self.channelClaim = channelClaim
    }

    /// Returns the channel id carried by a valid token.
    public func verify(_ token: String, now: Date = Date()) -> Result<String, TokenRejection> {
        let bytes = Array(token.utf8)
        guard let lastDot = bytes.lastIndex(of: UInt8(ascii: ".")) else { return .failure(.malformed) }
        let parsed: (header: JWTHeader, payload: SupersetClaims, signature: Data)
        do {
            parsed = try parser.parse(bytes, as: SupersetClaims.self)
        } catch let error as TimeClaimError {
            return .failure(.invalidTimeClaim(error.claim))
        } catch {
            if let claim = (error as? JWTError).flatMap(Self.timeClaimName) { return .failure(.invalidTimeClaim(claim)) }
            return .failure(.malformed)
        }
        guard let name = parsed.header.alg, let algorithm = algorithms[name] else {
            return .failure(.algorithmNotAllowed(parsed.header.alg ?? "(none)"))
        }
        guard (try? algorithm.verify(parsed.signature, signs: bytes[..<lastDot])) == true else {
            return .failure(.badSignature)
        }
        let nowSeconds = now.timeIntervalSince1970.rounded(.down)
        if let exp = parsed.payload.exp, nowSeconds >= exp { return .failure(.expired) }
        if let nbf = parsed.payload.nbf, nbf > nowSeconds { return .failure(.notYetValid) }
        guard let channel = parsed.payload.strings[channelClaim], !channel.isEmpty else {
            return .failure(.missingChannel)
        }
        return .success(channel)
    }

    private static func timeClaimName(_ error: JWTError) -> String? {
        let text = String(describing: error)
        if text.contains(TimeClaimError.marker + "exp") { return "exp" }
        if text.contains(TimeClaimError.marker + "nbf") { return "nbf" }
        return nil
    }
}

/// Raised while decoding when `exp` or `nbf` is present but not a number.
struct TimeClaimError: Error, CustomStringConvertible {
    static let marker = "time-claim-not-a-number:"
    let claim: String
    var description: String { Self.marker + claim }
}

/// The claims we read from Superset's token. The channel claim's name is configurable,
/// so every string-valued claim is kept; `sub: null` and other non-string claims are
/// accepted and ignored.
struct SupersetClaims: JWTPayload {
    var exp: Double?
    var nbf: Double?
    var strings: [String: String]

    init(exp: Double?, nbf: Double?, strings: [String: String]) {
        self.exp = exp
        self.nbf = nbf
        self.strings = strings
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var strings: [String: String] = [:]
        var exp: Double?
        var nbf: Double?
        for key in container.allKeys {
            switch key.stringValue {
            case "exp", "nbf":
                // jsonwebtoken refuses a present exp/nbf that is not a number (null included).
                guard let value = try? container.decode(Double.self, forKey: key) else {
                    throw TimeClaimError(claim: key.stringValue)
                }
                if key.stringValue == "exp" { exp = value } else { nbf = value }
            default:
                if let value = try? container.decode(String.self, forKey: key) { strings[key.stringValue] = value }
            }
        }
        self.exp = exp
        self.nbf = nbf
        self.strings = strings
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (key, value) in strings { try container.encode(value, forKey: Key(stringValue: key)) }
        if let exp { try container.encode(exp, forKey: Key(stringValue: "exp")) }
        if let nbf { try container.encode(nbf, forKey: Key(stringValue: "nbf")) }
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
