import Foundation
import Testing
import TestSupport

@testable import Gateway

/// Superset 7's `superset-ws-token`, checked as upstream 7.0's `readSocketIdentity` does.
/// The cases are those of upstream's `superset-websocket/spec/index.test.ts`
/// (describe 'readSocketIdentity' and 'principalChannel'), plus `jsonwebtoken`'s rules
/// for `aud` and `nbf`.
@Suite struct RealtimeTokenTests {
    static let previous = "previous-secret-that-is-at-least-32-bytes"
    let verifier = RealtimeTokenVerifier(secret: TestTokens.secret, previousSecret: Self.previous, allowedAlgorithms: ["HS256"])
    static let now = Int(Date().timeIntervalSince1970)

    /// Upstream's `signRealtimeToken`: user 5 on `user:5`, an hour to live; `nil` removes a claim.
    static func token(_ overrides: [String: Any?] = [:], secret: String = TestTokens.secret) -> String {
        var claims: [String: Any] = [
            "channel": "user:5", "sub": "5", "principal_type": "user", "aud": "superset-websocket", "iss": "superset",
            "iat": now, "exp": now + 3_600,
        ]
        for (key, value) in overrides { claims[key] = value }
        let json = String(decoding: try! JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys]), as: UTF8.self)
        return TestTokens.make(payloadJSON: json, secret: secret)
    }

    @Test func aValidTokenProvesItsChannelAndExpiry() throws {
        let principal = try verifier.verify(Self.token()).get()
        #expect(principal.channel == "user:5")
        #expect(principal.expiresAt == Double(Self.now + 3_600))
    }

    @Test func aTokenSignedWithThePreviousSecretIsAccepted() throws {
        #expect(try verifier.verify(Self.token(secret: Self.previous)).get().channel == "user:5")
    }

    @Test func aGuestTokenProvesItsNamespacedKey() throws {
        let token = Self.token(["channel": "guest:abc", "sub": "guest:abc", "principal_type": "guest"])
        #expect(try verifier.verify(token).get().channel == "guest:abc")
    }

    @Test(arguments: [
        ("a token signed with an unknown secret", token(secret: "invalid secret")),
        ("an expired token", token(["exp": now - 1])),
        ("a token for another audience", token(["aud": "someone-else"])),
        ("a token from another issuer", token(["iss": "not-superset"])),
        ("a token with no channel claim", token(["channel": nil])),
        ("a token with no subject", token(["sub": nil])),
        ("a token with no expiration", token(["exp": nil])),
        ("a token with no principal type", token(["principal_type": nil])),
        ("a token with an unknown principal type", token(["principal_type": "robot"])),
        ("a user whose channel does not match its subject", token(["channel": "user:6"])),
        ("a guest whose channel does not match its subject", token(["channel": "guest:abc", "sub": "guest:def", "principal_type": "guest"])),
        ("a guest subject that is not namespaced", token(["channel": "abc", "sub": "abc", "principal_type": "guest"])),
        ("a token not valid before a later time", token(["nbf": now + 600])),
        ("an expiration that is not a number", token(["exp": "\(now + 3_600)"])),
    ])
    func upstreamRefuses(_ description: String, _ token: String) {
        guard case .failure = verifier.verify(token) else {
            Issue.record("accepted \(description)")
            return
        }
    }

    /// `jsonwebtoken`: an `aud` list passes when any entry is the audience.
    @Test func anAudienceListPassesWhenItHoldsTheAudience() throws {
        #expect(try verifier.verify(Self.token(["aud": ["other", "superset-websocket"]])).get().channel == "user:5")
        #expect(try verifier.verify(Self.token(["aud": [7, "superset-websocket"]])).get().channel == "user:5")
        guard case .failure = verifier.verify(Self.token(["aud": ["other", 7]])) else {
            Issue.record("accepted an aud list without the audience")
            return
        }
    }
}
