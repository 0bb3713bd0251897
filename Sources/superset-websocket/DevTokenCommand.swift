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
        let keys = JWTKeyCollection()
        let algorithm = config.jwtAlgorithms.first ?? "HS256"
        let digest: DigestAlgorithm = algorithm == "HS512" ? .sha512 : algorithm == "HS384" ? .sha384 : .sha256
        await keys.add(hmac: HMACKey(from: config.jwtSecret), digestAlgorithm: digest)
        let payload = DevTokenPayload(
            claims: [config.jwtChannelIdKey: channel, "sub": sub],
            exp: expiresIn > 0 ? ExpirationClaim(value: Date().addingTimeInterval(Double(expiresIn))) : nil)
        print(try await keys.sign(payload))
    }
}

struct DevTokenPayload: JWTPayload {
    var claims: [String: String]
    var exp: ExpirationClaim?

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(claims: [String: String], exp: ExpirationClaim?) {
        self.claims = claims
        self.exp = exp
    }

    init(from decoder: any Decoder) throws {
        claims = [:]
        exp = nil
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (key, value) in claims.sorted(by: { $0.key < $1.key }) { try container.encode(value, forKey: Key(stringValue: key)) }
        if let exp { try container.encode(exp, forKey: Key(stringValue: "exp")) }
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
