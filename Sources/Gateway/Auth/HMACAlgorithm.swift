import Crypto
import Foundation
import JWTKit

/// HS256/HS384/HS512 as a jwt-kit `JWTAlgorithm`, over swift-crypto's HMAC.
///
/// Why not jwt-kit's own HMAC signer: it asserts (and plans to require) a key at least as
/// long as the hash output, 48 bytes for HS384 and 64 for HS512. Upstream
/// (`jsonwebtoken`) accepts any secret, and our config requires 32 bytes, so an operator
/// with `jwtAlgorithms: ["HS512"]` and a 32-byte secret must work, not crash.
struct HMACAlgorithm<Hash: HashFunction>: JWTAlgorithm {
    let name: String
    private let key: SymmetricKey

    init(name: String, secret: String) {
        self.name = name
        self.key = SymmetricKey(data: Array(secret.utf8))
    }

    func sign(_ plaintext: some DataProtocol) throws -> [UInt8] {
        Array(HMAC<Hash>.authenticationCode(for: plaintext, using: key))
    }

    /// Constant-time comparison (swift-crypto's).
    func verify(_ signature: some DataProtocol, signs plaintext: some DataProtocol) throws -> Bool {
        HMAC<Hash>.isValidAuthenticationCode(Array(signature), authenticating: plaintext, using: key)
    }
}

enum HMACAlgorithms {
    /// The algorithm for a `jwtAlgorithms` name, or nil for names that cannot verify with
    /// a shared secret (`none`, RS*, ES*...).
    static func named(_ name: String, secret: String) -> (any JWTAlgorithm)? {
        switch name {
        case "HS256": HMACAlgorithm<SHA256>(name: name, secret: secret)
        case "HS384": HMACAlgorithm<SHA384>(name: name, secret: secret)
        case "HS512": HMACAlgorithm<SHA512>(name: name, secret: secret)
        default: nil
        }
    }
}
