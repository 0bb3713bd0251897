import Foundation
import Testing
@testable import Config

@Suite struct RenderingTests {
    /// A configuration where every key differs from its default, with strings that
    /// need escaping.
    static var everythingChanged: ServiceConfig {
        var c = ServiceConfig()
        c.port = 9001
        c.host = "::1"
        c.workers = 3
        c.logLevel = "verbose"
        c.logToFile = true
        c.logFilename = "/var/log/ws \"main\".log"
        c.redisStreamPrefix = "pré-\\fix-"
        c.protocol = "both"
        c.previousJwtSecret = String(repeating: "p", count: 40)
        c.realtimeJwtCookieName = "ws-token"
        c.realtimeChannelPrefix = "tenant-a:"
        c.realtimeBufferMaxMessages = 10
        c.realtimeBufferMaxBytes = 4096
        c.redisStreamReadCount = 7
        c.redisStreamReadBlockMs = 600_000
        c.jwtAlgorithms = ["HS384", "HS512"]
        c.jwtSecret = "secret with \"quotes\", \\ and\nnewline and \u{1} 🔑 padding"
        c.jwtCookieName = "tok"
        c.jwtChannelIdKey = "chan"
        c.allowedOrigins = ["https://a.example", "*"]
        c.socketResponseTimeoutMs = 1
        c.pingSocketsIntervalMs = 2
        c.gcChannelsIntervalMs = 3
        c.maxSocketBufferBytes = 1 << 40
        c.eventYieldBatchSize = 4
        c.maxConnectionsPerChannel = 5
        c.maxTotalConnections = 6
        c.handshakeTimeoutMs = 7
        c.shutdownTimeoutMs = 0
        c.workerHeartbeatTimeoutMs = 100
        c.controlSocket = "/run/ws \"control\".sock"
        c.statsd.host = "stats"
        c.statsd.port = 1
        c.statsd.globalTags = ["env:prod", ""]
        c.statsd.flushIntervalMs = 10
        c.statsd.prefix = "superset."
        c.redis.host = "redis"
        c.redis.port = 65535
        c.redis.username = ""
        c.redis.password = "p\u{0}w"
        c.redis.db = 15
        c.redis.ssl = true
        c.redis.validateHostname = false
        c.redis.tlsCaFile = "/etc/ssl/redis ca.pem"
        c.redis.tlsCertFile = "/etc/ssl/client.pem"
        c.redis.tlsKeyFile = "/etc/ssl/client.key"
        c.redis.tlsServerName = "redis.internal"
        // `redis.path` cannot go with `redis.sentinels`: see `unixSocketChanged`.
        c.redis.sentinels = ["10.0.0.1:26379", "[::1]:26380", "sentinel-3"]
        c.redis.sentinelMaster = "mymaster"
        c.redis.sentinelUsername = "watcher"
        c.redis.sentinelPassword = "s3ntinel \"pw\""
        return c
    }

    /// The keys `everythingChanged` must leave at their defaults, changed.
    static var unixSocketChanged: ServiceConfig {
        var c = defaultsWithSecret
        c.redis.path = "/run/redis/redis.sock"
        return c
    }

    static var defaultsWithSecret: ServiceConfig {
        var c = ServiceConfig()
        c.jwtSecret = validSecret
        return c
    }

    @Test(arguments: [everythingChanged, unixSocketChanged, defaultsWithSecret])
    func roundTrips(_ config: ServiceConfig) throws {
        let text = config.renderedJSON(redactingSecrets: false)
        let loaded = try ConfigLoader.load(fileContents: Data(text.utf8), fileName: nil, environment: [:])
        #expect(loaded.config == config)
        #expect(loaded.warnings.isEmpty)
    }

    @Test func everythingChangedReallyChangesEverything() {
        // Guards the round-trip test: every rendered line must differ from the defaults'
        // in `everythingChanged`, except the keys that cannot go with the others, which
        // `unixSocketChanged` changes.
        let defaults = ServiceConfig().renderedJSON(redactingSecrets: false).split(separator: "\n")
        let changed = Self.everythingChanged.renderedJSON(redactingSecrets: false).split(separator: "\n")
        let alsoChanged = Self.unixSocketChanged.renderedJSON(redactingSecrets: false).split(separator: "\n")
        #expect(changed.count == defaults.count)
        #expect(alsoChanged.count == defaults.count)
        var leafLines = 0
        for index in defaults.indices where !defaults[index].hasSuffix("{") && !defaults[index].contains("}") {
            leafLines += 1
            if defaults[index].contains("\"path\"") {
                #expect(defaults[index] != alsoChanged[index])
            } else {
                #expect(defaults[index] != changed[index])
            }
        }
        #expect(leafLines == ConfigKey.all.count)
    }

    @Test func secretsAreRedacted() throws {
        var config = Self.everythingChanged
        config.redis.password = "hunter2"
        let text = config.renderedJSON(redactingSecrets: true)
        #expect(!text.contains("hunter2"))
        #expect(!text.contains("secret with"))
        #expect(!text.contains("s3ntinel"))
        #expect(text.contains("\"sentinelPassword\": \"<redacted>\""))
        #expect(text.contains("\"sentinelUsername\": \"watcher\""))
        let json = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(json["jwtSecret"] as? String == "<redacted>")
        #expect((json["redis"] as? [String: Any])?["password"] as? String == "<redacted>")
        #expect((json["redis"] as? [String: Any])?["username"] as? String == "")
        #expect(json["port"] as? Int == 9001)
    }

    @Test func emptySecretsStayEmptyWhenRedacted() throws {
        let text = ServiceConfig().renderedJSON(redactingSecrets: true)
        let json = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(json["jwtSecret"] as? String == "")
        #expect((json["redis"] as? [String: Any])?["password"] as? String == "")
    }

    @Test func keysComeInTableOrder() {
        let text = ServiceConfig().renderedJSON(redactingSecrets: false)
        let keys = text.split(separator: "\n").compactMap { line -> String? in
            guard let start = line.firstIndex(of: "\""), let end = line[line.index(after: start)...].firstIndex(of: "\"")
            else { return nil }
            return String(line[line.index(after: start)..<end])
        }
        #expect(keys == [
            "port", "host", "workers", "logLevel", "logToFile", "logFilename", "redisStreamPrefix",
            "redisStreamReadCount", "redisStreamReadBlockMs", "jwtAlgorithms", "jwtSecret", "jwtCookieName",
            "jwtChannelIdKey", "allowedOrigins", "socketResponseTimeoutMs", "pingSocketsIntervalMs",
            "gcChannelsIntervalMs", "maxSocketBufferBytes", "eventYieldBatchSize", "maxConnectionsPerChannel",
            "maxTotalConnections", "handshakeTimeoutMs", "shutdownTimeoutMs", "workerHeartbeatTimeoutMs", "controlSocket",
            "protocol", "previousJwtSecret", "realtimeJwtCookieName", "realtimeChannelPrefix",
            "realtimeBufferMaxMessages", "realtimeBufferMaxBytes",
            "statsd", "host", "port", "globalTags", "flushIntervalMs", "prefix",
            "redis", "host", "port", "username", "password", "db", "ssl", "validateHostname",
            "tlsCaFile", "tlsCertFile", "tlsKeyFile", "tlsServerName", "path", "sentinels", "sentinelMaster",
            "sentinelUsername", "sentinelPassword",
        ])
    }

    @Test func defaultsRenderAsExpected() {
        let text = ServiceConfig().renderedJSON(redactingSecrets: false)
        #expect(text.hasPrefix("{\n  \"port\": 8080,\n  \"host\": \"0.0.0.0\",\n"))
        #expect(text.contains("\n  \"jwtAlgorithms\": [\"HS256\"],\n"))
        #expect(text.contains("\n  \"allowedOrigins\": [],\n"))
        #expect(text.contains("\n  \"maxSocketBufferBytes\": 1048576,\n"), "the 1 MiB slow-consumer cap")
        #expect(text.contains("\n  \"redis\": {\n    \"host\": \"127.0.0.1\",\n"))
        #expect(text.contains("    \"validateHostname\": true,\n"))
        #expect(text.contains("    \"sentinels\": [],\n"))
        #expect(text.hasSuffix("    \"sentinelPassword\": \"\"\n  }\n}"))
    }
}
