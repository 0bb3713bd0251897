import Foundation
import Testing
@testable import Config

@Suite struct ValidationTests {
    @Test(arguments: [
        (#"{"port": "abc"}"#, "port"),
        (#"{"port": true}"#, "port"),
        (#"{"logToFile": "true"}"#, "logToFile"),
        (#"{"logLevel": 3}"#, "logLevel"),
        (#"{"allowedOrigins": "https://a"}"#, "allowedOrigins"),
        (#"{"jwtAlgorithms": ["HS256", 1]}"#, "jwtAlgorithms"),
        (#"{"redis": {"port": null}}"#, "redis.port"),
        (#"{"redis": "localhost"}"#, "redis"),
        (#"{"statsd": {"globalTags": {"a": "b"}}}"#, "statsd.globalTags"),
    ])
    func wrongTypesAreErrors(_ file: String, _ path: String) {
        let found = issues(file)
        #expect(found.count == 1)
        #expect(found.first?.path == path)
        #expect(found.first?.source == "config.json")
    }

    @Test func typeMessagesSayWhatWasExpected() {
        #expect(issues(#"{"port": "abc"}"#).first?.message == "must be an integer, got a string")
        #expect(issues(#"{"jwtAlgorithms": ["HS256", 1]}"#).first?.message
            == "must be a list of strings, but item 1 is a number")
    }

    @Test(arguments: [
        #"{"port": 80.5}"#, #"{"redis": {"db": 0.1}}"#, #"{"workers": -1.25}"#,
    ])
    func fractionalIntegersAreErrors(_ file: String) {
        let found = issues(file)
        #expect(found.count == 1)
        #expect(found.first?.message.contains("whole number") == true)
    }

    @Test(arguments: [
        ("port", "0"), ("port", "65536"), ("statsd.port", "0"), ("redis.port", "70000"),
        ("redisStreamReadCount", "0"), ("redisStreamReadBlockMs", "0"), ("redisStreamReadBlockMs", "600001"),
        ("pingSocketsIntervalMs", "0"), ("socketResponseTimeoutMs", "0"), ("gcChannelsIntervalMs", "0"),
        ("eventYieldBatchSize", "0"), ("shutdownTimeoutMs", "-1"), ("workerHeartbeatTimeoutMs", "99"),
        ("handshakeTimeoutMs", "0"), ("statsd.flushIntervalMs", "9"), ("maxSocketBufferBytes", "-1"),
        ("maxConnectionsPerChannel", "-1"), ("maxTotalConnections", "-1"), ("redis.db", "-1"),
        ("workers", "-1"), ("workers", "1025"), ("pingSocketsIntervalMs", "2147483648"),
        ("port", "1e30"),
    ])
    func outOfRangeNumbersAreErrors(_ path: String, _ number: String) {
        let found = issues(Self.file(setting: path, to: number))
        #expect(found.map(\.path) == [path])
    }

    @Test(arguments: [
        ("port", "1"), ("port", "65535"), ("redisStreamReadBlockMs", "600000"), ("shutdownTimeoutMs", "0"),
        ("workerHeartbeatTimeoutMs", "100"), ("statsd.flushIntervalMs", "10"), ("redis.db", "0"),
        ("workers", "0"), ("workers", "1024"), ("maxTotalConnections", "0"),
    ])
    func boundariesAreAccepted(_ path: String, _ number: String) {
        #expect(issues(Self.file(setting: path, to: number)).isEmpty)
    }

    /// `{"a": n}` or `{"a": {"b": n}}`.
    static func file(setting path: String, to json: String) -> String {
        let parts = path.split(separator: ".")
        return parts.reversed().reduce(json) { inner, name in "{\"\(name)\": \(inner)}" }
    }

    @Test(arguments: ["", "short", String(repeating: "x", count: 31)])
    func shortSecretsAreFatal(_ secret: String) {
        let found = issues(nil, environment: secret.isEmpty ? [:] : ["JWT_SECRET": secret])
        #expect(found == [ConfigIssue(
            path: "jwtSecret", source: secret.isEmpty ? nil : "JWT_SECRET",
            message: "Please provide a JWT secret at least 32 bytes long")])
    }

    @Test func secretLengthCountsBytes() {
        // 11 three-byte characters = 33 bytes.
        #expect(issues(nil, environment: ["JWT_SECRET": String(repeating: "€", count: 11)]).isEmpty)
    }

    /// Short or long, from the file or the environment: the placeholder never starts.
    @Test(arguments: ["CHANGE-ME", "CHANGE-ME-" + String(repeating: "0", count: 32)])
    func placeholderSecretsAreFatal(_ secret: String) {
        let fromFile = issues(#"{"jwtSecret": "\#(secret)"}"#, environment: [:])
        #expect(fromFile == [ConfigIssue(path: "jwtSecret", source: "config.json", message: Rules.placeholderSecretMessage)])
        let fromEnvironment = issues(nil, environment: ["JWT_SECRET": secret])
        #expect(fromEnvironment.map(\.source) == ["JWT_SECRET"])
        #expect(fromEnvironment.map(\.message) == [Rules.placeholderSecretMessage])
    }

    @Test func placeholderMessageSaysHowToFixIt() {
        let message = Rules.placeholderSecretMessage
        #expect(message.contains("placeholder"))
        #expect(message.contains("GLOBAL_ASYNC_QUERIES_JWT_SECRET"))
        #expect(message.contains("at least 32 bytes"))
        #expect(!message.contains("\n"))
    }

    /// The file the Debian package installs as /etc/superset-websocket/config.json is
    /// refused for its secret alone: every other key in it is valid.
    @Test func shippedExampleIsRefusedOnlyForItsPlaceholder() throws {
        let example = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config.example.json")
        let found = issues(String(decoding: try Data(contentsOf: example), as: UTF8.self), environment: [:])
        #expect(found == [ConfigIssue(path: "jwtSecret", source: "config.json", message: Rules.placeholderSecretMessage)])
        let withSecret = try load(String(decoding: try Data(contentsOf: example), as: UTF8.self))
        #expect(withSecret.warnings.isEmpty)
    }

    @Test(arguments: [#"[]"#, #"["none"]"#, #"["HS256", "none"]"#, #"["RS256"]"#, #"["ES256"]"#, #"["hs256"]"#])
    func unsupportedAlgorithmsAreErrors(_ list: String) {
        #expect(issues(#"{"jwtAlgorithms": \#(list)}"#).map(\.path) == ["jwtAlgorithms"])
    }

    @Test(arguments: ["HS256", "HS384", "HS512"])
    func hmacAlgorithmsAreAccepted(_ name: String) {
        #expect(issues(#"{"jwtAlgorithms": ["\#(name)"]}"#).isEmpty)
    }

    @Test(arguments: ["loud", "", "warnings", "fatal"])
    func unknownLogLevelsAreErrors(_ level: String) {
        #expect(issues(#"{"logLevel": "\#(level)"}"#).map(\.path) == ["logLevel"])
    }

    @Test(arguments: ["jwtCookieName", "jwtChannelIdKey", "redisStreamPrefix", "host", "redis.host", "statsd.host"])
    func requiredStringsMustNotBeEmpty(_ path: String) {
        #expect(issues(Self.file(setting: path, to: #""""#)).map(\.path) == [path])
    }

    @Test func badEnvironmentNumberNamesTheVariableAndTheKey() {
        let found = issues(nil, environment: ["JWT_SECRET": validSecret, "REDIS_PORT": "63 79"])
        #expect(found.count == 1)
        #expect(found.first?.path == "redis.port")
        #expect(found.first?.source == "REDIS_PORT")
        let line = ConfigError(issues: found).description
        #expect(line.contains("redis.port") && line.contains("REDIS_PORT"))
    }

    @Test(arguments: ["abc", "1.5", "0x10", "9223372036854775808"])
    func environmentNumbersMustBeIntegers(_ value: String) {
        #expect(issues(nil, environment: ["JWT_SECRET": validSecret, "PORT": value]).map(\.source) == ["PORT"])
    }

    @Test func environmentValueRangeIsChecked() {
        let found = issues(nil, environment: ["JWT_SECRET": validSecret, "PORT": "0"])
        #expect(found == [ConfigIssue(path: "port", source: "PORT", message: "must be between 1 and 65535, got 0")])
    }

    @Test func unreadableFileIsAnErrorNamingThePath() {
        let path = "/nonexistent/superset-websocket/config.json"
        do {
            _ = try ConfigLoader.load(path: path, environment: ["JWT_SECRET": validSecret])
            Issue.record("loading succeeded")
        } catch {
            #expect(error.issues.count == 1)
            #expect(error.issues.first?.source == path)
            #expect(error.description.contains(path))
        }
    }

    @Test func aDirectoryIsUnreadable() {
        do {
            _ = try ConfigLoader.load(path: "/tmp", environment: ["JWT_SECRET": validSecret])
            Issue.record("loading succeeded")
        } catch {
            #expect(error.issues.map(\.source) == ["/tmp"])
            #expect(error.description.contains("Is a directory"))
        }
    }

    @Test(arguments: [#"{"port": 80"#, #"{port: 80}"#, #"{"port": 80} x"#, "", #"{"a": 01}"#])
    func invalidJSONIsAnErrorNamingTheFile(_ text: String) {
        let found = issues(text, fileName: "/etc/x.json")
        #expect(found.count == 1)
        #expect(found.first?.source == "/etc/x.json")
        #expect(found.first?.message.contains("/etc/x.json") == true)
    }

    @Test(arguments: ["[]", #"[{"port": 1}]"#, "42", #""text""#, "null"])
    func topLevelMustBeAnObject(_ file: String) {
        let found = issues(file)
        #expect(found.count == 1)
        #expect(found.first?.message.contains("object") == true)
    }

    @Test func everyProblemIsReportedAtOnce() {
        let file = #"{"port": "abc", "redis": {"db": -1, "ssl": "yes"}, "jwtAlgorithms": ["none"], "logLevel": "loud", "workers": 1.5}"#
        let found = issues(file, environment: ["JWT_SECRET": "short", "STATSD_PORT": "x"])
        #expect(Set(found.map(\.path)) == [
            "port", "redis.db", "redis.ssl", "jwtAlgorithms", "logLevel", "workers", "jwtSecret", "statsd.port",
        ])
        #expect(found.count == 8)
    }

    @Test func environmentFixesAValueButNotTheFilesTypeError() {
        // The file's error is still reported (the file is wrong), but the environment's
        // value is what gets range-checked.
        let found = issues(#"{"port": "abc"}"#, environment: ["JWT_SECRET": validSecret, "PORT": "0"])
        #expect(found.map(\.source) == ["config.json", "PORT"])
    }

    @Test func descriptionHasOneLinePerIssue() {
        let error = ConfigError(issues: [
            ConfigIssue(path: "redis.port", source: "REDIS_PORT", message: "is bad"),
            ConfigIssue(path: "jwtSecret", source: nil, message: "is short"),
            ConfigIssue(path: "", source: "/etc/c.json", message: "cannot read"),
        ])
        #expect(error.description == """
            redis.port: is bad (from REDIS_PORT)
            jwtSecret: is short
            cannot read (from /etc/c.json)
            """)
        #expect(ConfigError.exitCode == 78)
    }

    @Test func messagesNeverContainTheSecret() {
        let secret = "CHANGE-ME-supersecret-but-long-enough-0123456789"
        let file = #"{"jwtSecret": "\#(secret)", "port": 0}"#
        let found = issues(file, environment: ["REDIS_PASSWORD": "hunter2-secret"])
        #expect(!found.isEmpty)
        #expect(!ConfigError(issues: found).description.contains("supersecret"))
        #expect(!ConfigError(issues: found).description.contains("hunter2"))
    }
}
