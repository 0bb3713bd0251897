import Testing
@testable import Config

@Suite struct DefaultsTests {
    @Test func everyKeyHasUpstreamsDefault() {
        let c = ServiceConfig()
        #expect(c.port == 8080)
        #expect(c.logLevel == "info")
        #expect(c.logToFile == false)
        #expect(c.logFilename == "app.log")
        #expect(c.redisStreamPrefix == "async-events-")
        #expect(c.redisStreamReadCount == 100)
        #expect(c.redisStreamReadBlockMs == 5000)
        #expect(c.jwtAlgorithms == ["HS256"])
        #expect(c.jwtSecret == "")
        #expect(c.jwtCookieName == "async-token")
        #expect(c.jwtChannelIdKey == "channel")
        #expect(c.allowedOrigins == [])
        #expect(c.socketResponseTimeoutMs == 60000)
        #expect(c.pingSocketsIntervalMs == 20000)
        #expect(c.gcChannelsIntervalMs == 120000)
        // Upstream's default is 0 (no cap); ours is 1 MiB (see README, Configuration).
        #expect(c.maxSocketBufferBytes == 1_048_576)
        #expect(ServiceConfig.defaultMaxSocketBufferBytes == 1_048_576)
        #expect(c.eventYieldBatchSize == 100)
        #expect(c.maxConnectionsPerChannel == 0)
        #expect(c.maxTotalConnections == 0)
        #expect(c.statsd.host == "127.0.0.1")
        #expect(c.statsd.port == 8125)
        #expect(c.statsd.globalTags == [])
        #expect(c.redis.host == "127.0.0.1")
        #expect(c.redis.port == 6379)
        #expect(c.redis.username == "default")
        #expect(c.redis.password == "")
        #expect(c.redis.db == 0)
        #expect(c.redis.ssl == false)
        #expect(c.redis.validateHostname == true)
    }

    @Test func everyProjectKeyHasItsDefault() {
        let c = ServiceConfig()
        #expect(c.host == "0.0.0.0")
        #expect(c.workers == 0)
        #expect(c.shutdownTimeoutMs == 10000)
        #expect(c.workerHeartbeatTimeoutMs == 10000)
        #expect(c.handshakeTimeoutMs == 10000)
        #expect(c.statsd.flushIntervalMs == 1000)
        #expect(c.statsd.prefix == "")
        #expect(c.controlSocket == "")
        #expect(c.redis.tlsCaFile == "")
        #expect(c.redis.tlsCertFile == "")
        #expect(c.redis.tlsKeyFile == "")
        #expect(c.redis.tlsServerName == "")
        #expect(c.redis.path == "")
        #expect(c.redis.sentinels == [])
        #expect(c.redis.sentinelMaster == "")
        #expect(c.redis.sentinelUsername == "")
        #expect(c.redis.sentinelPassword == "")
    }

    @Test func loadingNothingGivesTheDefaults() throws {
        var expected = ServiceConfig()
        expected.jwtSecret = validSecret
        let loaded = try load(nil)
        #expect(loaded.config == expected)
        #expect(loaded.warnings.isEmpty)
    }

    @Test func emptyFileObjectGivesTheDefaults() throws {
        var expected = ServiceConfig()
        expected.jwtSecret = validSecret
        #expect(try load("{}").config == expected)
    }

    @Test func defaultPath() {
        #expect(ConfigLoader.defaultPath == "/etc/superset-websocket/config.json")
    }
}
