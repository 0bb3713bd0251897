import ArgumentParser
import Config
import Foundation
import JWTKit

/// Mints a token like Superset's `async-token` cookie, signed with the configured secret:
/// for trying the service locally and for smoke tests. Prints the token only.
struct DevTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-token", abstract: "Print a JWT for a channel, signed like Superset's async-token cookie.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "The channel id to put in the token.")
    var channel: String

    @Option(help: "The user id claim (sub).")
    var sub: String = "1"

    @Option(help: "Seconds until the token expires (0: no exp, as Superset 6.1 issues it).")
    var expiresIn: Int = 0

    func run() async throws {
        let config = options.load().config
        let payload = DevTokenPayload(
            claims: [config.jwtChannelIdKey: channel, "sub": sub],
            exp: expiresIn > 0 ? ExpirationClaim(value: Date().addingTimeInterval(Double(expiresIn))) : nil)
        print(try await DevTokenPayload.sign(payload, with: config))
    }
}

/// Mints a token like Superset 7's `superset-ws-token` cookie (`superset/websocket/channel.py`):
/// `aud` `superset-websocket`, `iss` `superset`, `sub`, `principal_type`, `channel`, `iat`
/// and `exp`, signed with the configured `jwtSecret`. Prints the token only.
struct DevRealtimeTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-realtime-token", abstract: "Print a JWT for a user or guest, signed like Superset 7's superset-ws-token cookie.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "The user id (sub); the channel is user:<id>.")
    var user: String?

    @Option(help: "An embedded guest's key (guest:<hmac>), its sub and channel.")
    var guest: String?

    @Option(help: "Seconds until the token expires (Superset 7's default lifetime is 900).")
    var expiresIn: Int = 900

    func validate() throws {
        guard (user == nil) != (guest == nil) else { throw ValidationError("give exactly one of --user and --guest") }
        if let guest, !guest.hasPrefix("guest:") { throw ValidationError("a guest key starts with guest:") }
        guard expiresIn > 0 else { throw ValidationError("--expires-in must be positive: a realtime token needs exp") }
    }

    func run() async throws {
        let config = options.load().config
        let now = Date()
        let claims = if let guest {
            ["sub": guest, "principal_type": "guest", "channel": guest]
        } else {
            ["sub": user ?? "", "principal_type": "user", "channel": "user:\(user ?? "")"]
        }
        let payload = DevTokenPayload(
            claims: claims.merging(["aud": "superset-websocket", "iss": "superset"]) { $1 },
            exp: ExpirationClaim(value: now.addingTimeInterval(Double(expiresIn))),
            issuedAt: IssuedAtClaim(value: now))
        print(try await DevTokenPayload.sign(payload, with: config))
    }
}

struct DevTokenPayload: JWTPayload {
    var claims: [String: String]
    var exp: ExpirationClaim?
    var issuedAt: IssuedAtClaim?

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(claims: [String: String], exp: ExpirationClaim?, issuedAt: IssuedAtClaim? = nil) {
        self.claims = claims
        self.exp = exp
        self.issuedAt = issuedAt
    }

    /// Signed with `jwtSecret` and the first allowed algorithm.
    static func sign(_ payload: DevTokenPayload, with config: ServiceConfig) async throws -> String {
        let keys = JWTKeyCollection()
        let algorithm = config.jwtAlgorithms.first ?? "HS256"
        let digest: DigestAlgorithm = algorithm == "HS512" ? .sha512 : algorithm == "HS384" ? .sha384 : .sha256
        await keys.add(hmac: HMACKey(from: config.jwtSecret), digestAlgorithm: digest)
        return try await keys.sign(payload)
    }

    init(from decoder: any Decoder) throws {
        claims = [:]
        exp = nil
        issuedAt = nil
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (key, value) in claims.sorted(by: { $0.key < $1.key }) { try container.encode(value, forKey: Key(stringValue: key)) }
        if let issuedAt { try container.encode(issuedAt, forKey: Key(stringValue: "iat")) }
        if let exp { try container.encode(exp, forKey: Key(stringValue: "exp")) }
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
