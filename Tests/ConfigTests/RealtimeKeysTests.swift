import Testing
@testable import Config

/// The keys of issue 13: which protocol generation to serve, and the realtime settings.
@Suite struct RealtimeKeysTests {
    @Test func defaultsServeStreamsOnly() throws {
        let config = try load(nil).config
        #expect(config.protocol == "streams")
        #expect(config.serviceProtocol == .streams)
        #expect(config.previousJwtSecret == "")
        #expect(config.realtimeJwtCookieName == "superset-ws-token")
        #expect(config.realtimeChannelPrefix == "")
        #expect(config.realtimeBufferMaxMessages == 1_000)
        #expect(config.realtimeBufferMaxBytes == 1 << 20)
    }

    @Test(arguments: ServiceProtocol.allCases)
    func everyProtocolIsAcceptedFromFileAndEnvironment(_ value: ServiceProtocol) throws {
        #expect(try load(#"{"protocol": "\#(value.rawValue)"}"#).config.serviceProtocol == value)
        let env = ["JWT_SECRET": validSecret, "WEBSOCKET_PROTOCOL": value.rawValue]
        #expect(try load(nil, environment: env).config.serviceProtocol == value)
    }

    /// A 7.0 `JWT_COOKIE_NAME` carried over to a `realtime` service names the wrong key here.
    @Test func anUpstream7CookieNameInJwtCookieNameIsAWarningInRealtimeMode() throws {
        let carried = try load(nil, environment: ["JWT_SECRET": validSecret, "WEBSOCKET_PROTOCOL": "realtime", "JWT_COOKIE_NAME": "ws-cookie"])
        #expect(carried.warnings.contains { $0.hasPrefix("jwtCookieName:") && $0.contains("REALTIME_JWT_COOKIE_NAME") })
        let both = try load(nil, environment: ["JWT_SECRET": validSecret, "WEBSOCKET_PROTOCOL": "both", "JWT_COOKIE_NAME": "ws-cookie"])
        #expect(!both.warnings.contains { $0.hasPrefix("jwtCookieName:") }, "both serves the streams cookie")
        let moved = try load(nil, environment: [
            "JWT_SECRET": validSecret, "WEBSOCKET_PROTOCOL": "realtime", "REALTIME_JWT_COOKIE_NAME": "ws-cookie"])
        #expect(!moved.warnings.contains { $0.hasPrefix("jwtCookieName:") })
    }

    @Test func environmentOverridesTheRealtimeKeys() throws {
        let config = try load(nil, environment: [
            "JWT_SECRET": validSecret, "PREVIOUS_JWT_SECRET": String(repeating: "p", count: 32),
            "REALTIME_JWT_COOKIE_NAME": "ws", "REALTIME_CHANNEL_PREFIX": "tenant-a:",
            "REALTIME_BUFFER_MAX_MESSAGES": "5", "REALTIME_BUFFER_MAX_BYTES": "4096",
        ]).config
        #expect(config.previousJwtSecret == String(repeating: "p", count: 32))
        #expect(config.realtimeJwtCookieName == "ws")
        #expect(config.realtimeChannelPrefix == "tenant-a:")
        #expect(config.realtimeBufferMaxMessages == 5)
        #expect(config.realtimeBufferMaxBytes == 4096)
    }

    @Test(arguments: [
        (#"{"protocol": "pubsub"}"#, "protocol"),
        (#"{"protocol": ""}"#, "protocol"),
        (#"{"protocol": 7}"#, "protocol"),
        (#"{"previousJwtSecret": "short"}"#, "previousJwtSecret"),
        (#"{"realtimeJwtCookieName": ""}"#, "realtimeJwtCookieName"),
        (#"{"realtimeBufferMaxMessages": -1}"#, "realtimeBufferMaxMessages"),
        (#"{"realtimeBufferMaxBytes": -1}"#, "realtimeBufferMaxBytes"),
    ])
    func malformedValuesNameTheirKey(_ file: String, _ path: String) {
        let found = issues(file)
        #expect(found.map(\.path) == [path])
    }

    @Test func malformedEnvironmentProtocolNamesTheKeyAndTheVariable() {
        let found = issues(nil, environment: ["JWT_SECRET": validSecret, "WEBSOCKET_PROTOCOL": "v7"])
        #expect(found.map(\.path) == ["protocol"])
        #expect(found.first?.source == "WEBSOCKET_PROTOCOL")
        #expect(found.first?.message.contains("streams, realtime, both") == true)
    }

    @Test func previousSecretIsRedacted() throws {
        let loaded = try load(#"{"previousJwtSecret": "\#(String(repeating: "q", count: 40))"}"#)
        #expect(!loaded.config.renderedJSON(redactingSecrets: true).contains("qqqq"))
    }
}
