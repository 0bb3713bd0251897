import Events
import Foundation
import Testing
import TestSupport

@testable import Gateway

@Suite struct CookieHeaderTests {
    @Test func readsTheNamedCookie() {
        #expect(CookieHeader.value(named: "async-token", in: ["a=1; async-token=abc.def.ghi; b=2"]) == "abc.def.ghi")
    }

    @Test func missingCookieIsNil() {
        #expect(CookieHeader.value(named: "async-token", in: ["a=1; b=2"]) == nil)
        #expect(CookieHeader.value(named: "async-token", in: []) == nil)
    }

    @Test func firstOccurrenceWinsAcrossDuplicateHeaders() {
        #expect(CookieHeader.value(named: "t", in: ["t=first", "t=second"]) == "first")
        #expect(CookieHeader.value(named: "t", in: ["t=first; t=second"]) == "first")
    }

    @Test func junkPairsAreSkipped() {
        #expect(CookieHeader.value(named: "t", in: ["junk; ;; =x; t=ok"]) == "ok")
        #expect(CookieHeader.value(named: "t", in: ["tt=no; t =yes"]) == "yes")
    }

    @Test func quotedAndPercentEncodedValues() {
        #expect(CookieHeader.value(named: "t", in: ["t=\"quoted\""]) == "quoted")
        #expect(CookieHeader.value(named: "t", in: ["t=a%20b"]) == "a b")
        #expect(CookieHeader.value(named: "t", in: ["t=bad%zz"]) == "bad%zz")
    }
}

@Suite struct OriginPolicyTests {
    @Test func emptyAllowlistAllowsAll() {
        #expect(OriginPolicy(allowedOrigins: []).allows(origin: nil))
        #expect(OriginPolicy(allowedOrigins: []).allows(origin: "http://evil.example"))
    }

    @Test func wildcardAllowsAll() {
        #expect(OriginPolicy(allowedOrigins: ["http://a.example", "*"]).allows(origin: "http://b.example"))
    }

    @Test func exactMatchRequired() {
        let policy = OriginPolicy(allowedOrigins: ["http://superset.example:8088"])
        #expect(policy.allows(origin: "http://superset.example:8088"))
        #expect(!policy.allows(origin: "http://superset.example"))
        #expect(!policy.allows(origin: "http://superset.example:8088/"))
        #expect(!policy.allows(origin: nil))
    }
}

@Suite struct TokenVerifierTests {
    let channel = "bc9e040c-7b4a-4817-99b9-292832d97ec7"

    func verifier(algorithms: [String] = ["HS256"], channelKey: String = "channel") async throws -> TokenVerifier {
        TokenVerifier.make(secret: TestTokens.secret, allowedAlgorithms: algorithms, channelClaim: channelKey)
    }

    @Test func acceptsSupersetCookieWithoutExp() async throws {
        let result = try await verifier().verify(TestTokens.superset(channel: channel))
        #expect(try result.get() == channel)
    }

    @Test func acceptsAnonymousSubNull() async throws {
        let result = try await verifier().verify(TestTokens.superset(channel: channel, sub: nil))
        #expect(try result.get() == channel)
    }

    @Test func enforcesExpAndNbf() async throws {
        let v = try await verifier()
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let future = TestTokens.make(payloadJSON: "{\"channel\":\"c\",\"exp\":1700000100}")
        let past = TestTokens.make(payloadJSON: "{\"channel\":\"c\",\"exp\":1700000000}")
        let notYet = TestTokens.make(payloadJSON: "{\"channel\":\"c\",\"nbf\":1700000001}")
        let active = TestTokens.make(payloadJSON: "{\"channel\":\"c\",\"nbf\":1700000000}")
        #expect(try v.verify(future, now: now).get() == "c")
        #expect(v.verify(past, now: now) == .failure(.expired))
        #expect(v.verify(notYet, now: now) == .failure(.notYetValid))
        #expect(try v.verify(active, now: now).get() == "c")
    }

    @Test func refusesNonNumericExp() async throws {
        let token = TestTokens.make(payloadJSON: "{\"channel\":\"c\",\"exp\":\"soon\"}")
        #expect(try await verifier().verify(token) == .failure(.invalidTimeClaim("exp")))
    }

    @Test func refusesAlgNone() async throws {
        let token = TestTokens.make(headerJSON: "{\"alg\":\"none\"}", payloadJSON: "{\"channel\":\"c\"}")
        #expect(try await verifier().verify(token) == .failure(.algorithmNotAllowed("none")))
    }

    @Test func refusesAlgorithmOutsideAllowlist() async throws {
        let token = TestTokens.make(headerJSON: "{\"alg\":\"HS512\"}", payloadJSON: "{\"channel\":\"c\"}")
        #expect(try await verifier().verify(token) == .failure(.algorithmNotAllowed("HS512")))
        #expect(try await verifier(algorithms: ["HS256", "HS512"]).verify(token).get() == "c")
    }

    @Test func refusesHeaderThatLiesAboutAlgorithm() async throws {
        // Signed with HS512 but labelled HS256: the signature cannot match.
        let real = TestTokens.make(headerJSON: "{\"alg\":\"HS512\"}", payloadJSON: "{\"channel\":\"c\"}")
        let parts = real.split(separator: ".")
        let forged = TestTokens.base64URL(Array("{\"alg\":\"HS256\"}".utf8)) + "." + parts[1] + "." + parts[2]
        #expect(try await verifier().verify(forged) == .failure(.badSignature))
    }

    @Test func refusesWrongSecret() async throws {
        let token = TestTokens.superset(channel: channel, secret: "another-secret-that-is-also-32-bytes-long!")
        #expect(try await verifier().verify(token) == .failure(.badSignature))
    }

    @Test(arguments: ["", "abc", "a.b", "a.b.c", "....", "e30.e30.", "not a token at all"])
    func refusesMalformed(token: String) async throws {
        let result = try await verifier().verify(token)
        #expect(throws: TokenRejection.self) { try result.get() }
    }

    @Test func refusesMissingOrEmptyOrNonStringChannel() async throws {
        let v = try await verifier()
        #expect(v.verify(TestTokens.make(payloadJSON: "{\"sub\":\"1\"}")) == .failure(.missingChannel))
        #expect(v.verify(TestTokens.make(payloadJSON: "{\"channel\":\"\"}")) == .failure(.missingChannel))
        #expect(v.verify(TestTokens.make(payloadJSON: "{\"channel\":42}")) == .failure(.missingChannel))
    }

    @Test func channelClaimNameIsConfigurable() async throws {
        let token = TestTokens.make(payloadJSON: "{\"room\":\"r1\",\"channel\":\"c\"}")
        #expect(try await verifier(channelKey: "room").verify(token).get() == "r1")
    }

    @Test func rejectionNeverContainsTheToken() async throws {
        let token = TestTokens.make(headerJSON: "{\"alg\":\"none\"}", payloadJSON: "{\"channel\":\"secret-channel\"}")
        let description = "\(try await verifier().verify(token))"
        #expect(!description.contains(token))
        #expect(!description.contains("secret-channel"))
    }
}

@Suite struct HandshakeAuthorizerTests {
    func authorizer(origins: [String] = []) async throws -> HandshakeAuthorizer {
        HandshakeAuthorizer(
            origins: OriginPolicy(allowedOrigins: origins),
            verifier: TokenVerifier.make(secret: TestTokens.secret, allowedAlgorithms: ["HS256"], channelClaim: "channel"),
            cookieName: "async-token")
    }

    @Test func originIsCheckedBeforeTheToken() async throws {
        let result = try await authorizer(origins: ["http://ok.example"]).authorize(origin: "http://evil.example", cookieHeaders: [])
        #expect(result == .failure(.originNotAllowed))
        #expect(Refusal.originNotAllowed.status == 403)
    }

    @Test func missingTokenIs401() async throws {
        let result = try await authorizer().authorize(origin: nil, cookieHeaders: ["other=1"])
        #expect(result == .failure(.tokenMissing))
        #expect(Refusal.tokenMissing.status == 401)
        #expect(Refusal.token(.badSignature).status == 401)
    }

    @Test func validCookieYieldsChannel() async throws {
        let cookie = TestTokens.cookie(TestTokens.superset(channel: "ch-1"))
        #expect(try await authorizer().authorize(origin: "http://x", cookieHeaders: [cookie]).get() == "ch-1")
    }
}

@Suite struct LastIDQueryTests {
    @Test(arguments: ["abc-xyz", "1607477697866", "1607477697866-", "-0", "1607477697866-0;%20DROP%20TABLE", "1607477697866-0-0"])
    func malformedIDsAreIgnored(raw: String) {
        if case .malformed = LastIDQuery.parse(uri: "/?last_id=\(raw)") {} else {
            Issue.record("\(raw) should be malformed")
        }
    }

    @Test func upstreamsSixMalformedIDsAreRejectedByTheValidator() {
        for raw in ["abc-xyz", "1607477697866", "1607477697866-", "-0", "1607477697866-0; DROP TABLE", "1607477697866-0-0"] {
            #expect(StreamID(clientLastID: raw) == nil, "\(raw)")
        }
    }

    @Test func digitLimits() {
        #expect(StreamID(clientLastID: "123456789012345-1234567890") != nil)
        #expect(StreamID(clientLastID: "1234567890123456-0") == nil)
        #expect(StreamID(clientLastID: "1-12345678901") == nil)
    }

    @Test func validIDsParse() {
        #expect(LastIDQuery.parse(uri: "/?last_id=1607477697866-0") == .valid(StreamID(milliseconds: 1_607_477_697_866, sequence: 0)))
        #expect(LastIDQuery.parse(uri: "/ws?foo=1&last_id=5-7&last_id=9-9") == .valid(StreamID(milliseconds: 5, sequence: 7)))
    }

    @Test func absentWithoutQuery() {
        #expect(LastIDQuery.parse(uri: "/") == .absent)
        #expect(LastIDQuery.parse(uri: "/?other=1") == .absent)
    }
}
