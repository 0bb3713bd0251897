// JWT verification: `TokenVerifier.verify` (jwt-kit's parser, the service's claim
// decoding, time claims, the channel claim) on any token text, with the test secret,
// so tokens in the corpus that are correctly signed reach claim handling. Two
// verifiers: the usual one (HS256, channel claim `channel`) and one that allows every
// name the configuration accepts (alg confusion: RS256 or `none` with an HMAC key).
import Foundation
import FuzzSupport
import Gateway

let secret = "test-secret-that-is-at-least-32-bytes-long"
let usual = TokenVerifier.make(secret: secret, allowedAlgorithms: ["HS256"], channelClaim: "channel")
let every = TokenVerifier.make(
    secret: secret, allowedAlgorithms: ["HS256", "HS384", "HS512", "RS256", "ES256", "none"], channelClaim: "sub")
let now = Date(timeIntervalSince1970: 1_800_000_000)

fuzzMain { input in
    let token = String(decoding: input, as: UTF8.self)
    if case .success(let channel) = usual.verify(token, now: now) {
        precondition(!channel.isEmpty, "an empty channel id was admitted")
    }
    _ = every.verify(token, now: now)
}
