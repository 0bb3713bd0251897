import Testing
@testable import Config

/// The keys that say how to reach Redis (TLS, unix socket, Sentinel) and the rules between them.
@Suite struct RedisKeysTests {
    @Test func everyNewKeyIsReadFromTheFile() throws {
        let file = """
        {"redis": {"ssl": true, "tlsCaFile": "/ca.pem", "tlsCertFile": "/c.pem", "tlsKeyFile": "/c.key",
                   "tlsServerName": "redis.internal", "sentinels": ["a:1", "[::1]:2", "c"], "sentinelMaster": "m",
                   "sentinelUsername": "su", "sentinelPassword": "sp"}}
        """
        let loaded = try load(file)
        let redis = loaded.config.redis
        #expect(loaded.warnings.isEmpty)
        #expect(redis.tlsCaFile == "/ca.pem")
        #expect(redis.tlsCertFile == "/c.pem")
        #expect(redis.tlsKeyFile == "/c.key")
        #expect(redis.tlsServerName == "redis.internal")
        #expect(redis.sentinels == ["a:1", "[::1]:2", "c"])
        #expect(redis.sentinelAddresses.map(\.host) == ["a", "::1", "c"])
        #expect(redis.sentinelAddresses.map(\.port) == [1, 2, 26379])
        #expect(redis.sentinelMaster == "m")
        #expect(redis.sentinelUsername == "su")
        #expect(redis.sentinelPassword == "sp")
        #expect(try load(#"{"redis": {"path": "/run/redis.sock"}}"#).config.redis.path == "/run/redis.sock")
    }

    @Test(arguments: [
        ("redis:26379", "redis", 26379), ("10.1.2.3:5000", "10.1.2.3", 5000), ("[fe80::1]:7", "fe80::1", 7),
        ("[::1]", "::1", 26379), ("host", "host", 26379), (" s1:1 ", "s1", 1),
    ])
    func sentinelAddressesParse(_ text: String, _ host: String, _ port: Int) throws {
        let parsed = try #require(ServiceConfig.RedisConfig.parseHostAndPort(text))
        #expect(parsed.host == host)
        #expect(parsed.port == port)
    }

    @Test(arguments: ["", ":26379", "h:", "h:0", "h:65536", "h:x", "::1", "::1:26379", "[::1", "[::1]x", "a b:1", "h/x:1"])
    func malformedSentinelsAreErrorsNamingTheItem(_ entry: String) {
        let found = sentinelIssues( ["ok:1", entry], environment: ["JWT_SECRET": validSecret, "REDIS_SENTINEL_MASTER": "m"])
        #expect(found.map(\.path) == ["redis.sentinels"])
        #expect(found.first?.message.contains("item 1") == true)
    }

    @Test func sentinelsNeedTheMasterName() {
        let found = issues(#"{"redis": {"sentinels": ["s:26379"]}}"#)
        #expect(found.map(\.path) == ["redis.sentinelMaster"])
        #expect(found.first?.message.contains("required with redis.sentinels") == true)
    }

    @Test func sentinelsAndAUnixSocketExcludeEachOther() {
        let found = issues(#"{"redis": {"sentinels": ["s"], "sentinelMaster": "m", "path": "/r.sock"}}"#)
        #expect(found.map(\.path) == ["redis.path"])
    }

    @Test func noTLSOverAUnixSocket() {
        let found = issues(#"{"redis": {"path": "/r.sock"}}"#, environment: ["JWT_SECRET": validSecret, "REDIS_SSL": "true"])
        #expect(found.map(\.path) == ["redis.ssl"])
        #expect(found.first?.source == "REDIS_SSL")
    }

    @Test func aUnixSocketPathFitsSunPath() {
        let long = "/" + String(repeating: "p", count: 107)
        #expect(issues(#"{"redis": {"path": "\#(long)"}}"#).map(\.path) == ["redis.path"])
        #expect(issues(#"{"redis": {"path": "\#(long.dropLast())"}}"#).isEmpty)
    }

    @Test func certificateAndKeyComeTogether() {
        #expect(issues(#"{"redis": {"ssl": true, "tlsCertFile": "/c"}}"#).map(\.path) == ["redis.tlsKeyFile"])
        #expect(issues(#"{"redis": {"ssl": true, "tlsKeyFile": "/k"}}"#).map(\.path) == ["redis.tlsCertFile"])
    }

    @Test func tlsSettingsWithoutSSLAreWarnings() throws {
        let loaded = try load(#"{"redis": {"tlsCaFile": "/ca", "tlsServerName": "n"}}"#)
        #expect(loaded.warnings.count == 2)
        #expect(loaded.warnings.allSatisfy { $0.contains("redis.ssl is false") })
        #expect(loaded.warnings.contains { $0.hasPrefix("redis.tlsCaFile:") })
    }

    @Test func sentinelCredentialsWithoutSentinelsAreWarnings() throws {
        let loaded = try load(nil, environment: ["JWT_SECRET": validSecret, "REDIS_SENTINEL_PASSWORD": "pw-XYZ"])
        #expect(loaded.warnings == ["redis.sentinelPassword: is ignored: redis.sentinels is empty"])
    }

    @Test func aServerNameIsAHostName() {
        #expect(issues(#"{"redis": {"ssl": true, "tlsServerName": "a b"}}"#).map(\.path) == ["redis.tlsServerName"])
    }

    @Test func theSentinelPasswordIsASecret() {
        let secret = ConfigKey.all.filter(\.isSecret).map(\.path)
        #expect(Set(secret) == ["jwtSecret", "previousJwtSecret", "redis.password", "redis.sentinelPassword"])
    }

    /// `issues` with `redis.sentinels` set from a list (JSON-escaped).
    private func sentinelIssues(_ sentinels: [String], environment: [String: String]) -> [ConfigIssue] {
        let list = sentinels.map { JSONText.quoted($0) }.joined(separator: ", ")
        return issues(#"{"redis": {"sentinels": [\#(list)]}}"#, environment: environment)
    }
}
