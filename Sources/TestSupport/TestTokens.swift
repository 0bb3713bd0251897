import Crypto
import Foundation

/// Makes JWTs for tests, including ones a correct server must refuse (another algorithm,
/// `none`, a wrong key, odd claims). Hand-assembled on purpose: a test must be able to
/// build tokens that a JWT library would refuse to produce.
public enum TestTokens {
    public static let secret = "test-secret-that-is-at-least-32-bytes-long"

    /// Superset 6.1's real cookie: `{"channel": "<id>", "sub": "1"}`, HS256, no `exp`.
    public static func superset(channel: String, sub: String? = "1", secret: String = TestTokens.secret) -> String {
        let subJSON = sub.map { "\"\($0)\"" } ?? "null"
        return make(payloadJSON: "{\"channel\": \"\(channel)\", \"sub\": \(subJSON)}", secret: secret)
    }

    /// A token with any header and payload, signed with HMAC-SHA for HS256/384/512,
    /// with an empty signature for `none`.
    public static func make(
        headerJSON: String = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payloadJSON: String, secret: String = TestTokens.secret
    ) -> String {
        let signingInput = base64URL(Array(headerJSON.utf8)) + "." + base64URL(Array(payloadJSON.utf8))
        let alg = (try? JSONSerialization.jsonObject(with: Data(headerJSON.utf8)) as? [String: Any])?["alg"] as? String
        let key = SymmetricKey(data: Array(secret.utf8))
        let input = Array(signingInput.utf8)
        let signature: [UInt8]
        switch alg {
        case "HS384": signature = Array(HMAC<SHA384>.authenticationCode(for: input, using: key))
        case "HS512": signature = Array(HMAC<SHA512>.authenticationCode(for: input, using: key))
        case "HS256": signature = Array(HMAC<SHA256>.authenticationCode(for: input, using: key))
        default: signature = []
        }
        return signingInput + "." + base64URL(signature)
    }

    public static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The cookie header value a browser sends.
    public static func cookie(_ token: String, name: String = "async-token") -> String {
        "\(name)=\(token)"
    }
}

extension TestTokens {
    /// Superset 7's `superset-ws-token`, as `superset/websocket/channel.py` mints it.
    public static func realtime(
        user: String, exp: Int = Int(Date().timeIntervalSince1970) + 900, secret: String = TestTokens.secret,
        aud: String = "superset-websocket", iss: String = "superset"
    ) -> String {
        make(payloadJSON: """
            {"channel": "user:\(user)", "principal_type": "user", "sub": "\(user)", "aud": "\(aud)", \
            "iat": \(exp - 900), "iss": "\(iss)", "exp": \(exp)}
            """, secret: secret)
    }

    /// An embedded guest's token: its channel and sub are the guest key.
    public static func realtimeGuest(key: String, exp: Int = Int(Date().timeIntervalSince1970) + 900, secret: String = TestTokens.secret) -> String {
        make(payloadJSON: """
            {"channel": "\(key)", "principal_type": "guest", "sub": "\(key)", "aud": "superset-websocket", \
            "iat": \(exp - 900), "iss": "superset", "exp": \(exp)}
            """, secret: secret)
    }
}
