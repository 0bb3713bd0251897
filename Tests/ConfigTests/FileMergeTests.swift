import Foundation
import Testing
@testable import Config

@Suite struct FileMergeTests {
    @Test func everyKeyIsReadFromTheFile() throws {
        let file = """
        {"port": 9001, "host": "::", "workers": 4, "logLevel": "silly", "logToFile": true, "logFilename": "ws.log",
         "redisStreamPrefix": "p-", "redisStreamReadCount": 7, "redisStreamReadBlockMs": 250,
         "jwtAlgorithms": ["HS512", "HS384"], "jwtSecret": "\(validSecret)", "jwtCookieName": "tok",
         "jwtChannelIdKey": "chan", "allowedOrigins": ["https://a"],
         "socketResponseTimeoutMs": 111, "pingSocketsIntervalMs": 222, "gcChannelsIntervalMs": 333,
         "maxSocketBufferBytes": 4096, "eventYieldBatchSize": 9, "maxConnectionsPerChannel": 5,
         "maxTotalConnections": 500, "handshakeTimeoutMs": 444, "shutdownTimeoutMs": 0, "workerHeartbeatTimeoutMs": 555,
         "statsd": {"host": "stats", "port": 9125, "globalTags": ["env:prod"], "flushIntervalMs": 2500},
         "redis": {"host": "redis", "port": 6380, "username": "ws", "password": "pw", "db": 4, "ssl": true,
                   "validateHostname": false}}
        """
        let loaded = try load(file, environment: [:])
        let c = loaded.config
        #expect(loaded.warnings.isEmpty)
        #expect(c.port == 9001)
        #expect(c.host == "::")
        #expect(c.workers == 4)
        #expect(c.logLevel == "silly")
        #expect(c.logToFile == true)
        #expect(c.logFilename == "ws.log")
        #expect(c.redisStreamPrefix == "p-")
        #expect(c.redisStreamReadCount == 7)
        #expect(c.redisStreamReadBlockMs == 250)
        #expect(c.jwtAlgorithms == ["HS512", "HS384"])
        #expect(c.jwtSecret == validSecret)
        #expect(c.jwtCookieName == "tok")
        #expect(c.jwtChannelIdKey == "chan")
        #expect(c.allowedOrigins == ["https://a"])
        #expect(c.socketResponseTimeoutMs == 111)
        #expect(c.pingSocketsIntervalMs == 222)
        #expect(c.gcChannelsIntervalMs == 333)
        #expect(c.maxSocketBufferBytes == 4096)
        #expect(c.eventYieldBatchSize == 9)
        #expect(c.maxConnectionsPerChannel == 5)
        #expect(c.maxTotalConnections == 500)
        #expect(c.handshakeTimeoutMs == 444)
        #expect(c.shutdownTimeoutMs == 0)
        #expect(c.workerHeartbeatTimeoutMs == 555)
        #expect(c.statsd.host == "stats")
        #expect(c.statsd.port == 9125)
        #expect(c.statsd.globalTags == ["env:prod"])
        #expect(c.statsd.flushIntervalMs == 2500)
        #expect(c.redis.host == "redis")
        #expect(c.redis.port == 6380)
        #expect(c.redis.username == "ws")
        #expect(c.redis.password == "pw")
        #expect(c.redis.db == 4)
        #expect(c.redis.ssl == true)
        #expect(c.redis.validateHostname == false)
    }

    @Test func nestedObjectsMergeDeeply() throws {
        let c = try load(#"{"redis": {"port": 6390}, "statsd": {"globalTags": ["a"]}}"#).config
        #expect(c.redis.port == 6390)
        #expect(c.redis.host == "127.0.0.1")
        #expect(c.redis.username == "default")
        #expect(c.redis.validateHostname == true)
        #expect(c.statsd.globalTags == ["a"])
        #expect(c.statsd.host == "127.0.0.1")
        #expect(c.statsd.port == 8125)
        #expect(c.statsd.flushIntervalMs == 1000)
        #expect(c.port == 8080)
    }

    @Test func arraysReplaceRatherThanAppend() throws {
        let c = try load(#"{"jwtAlgorithms": ["HS512"], "allowedOrigins": []}"#).config
        #expect(c.jwtAlgorithms == ["HS512"])
        #expect(c.allowedOrigins == [])
    }

    @Test func wholeNumbersWrittenAsDecimalsAreIntegers() throws {
        #expect(try load(#"{"port": 8081.0}"#).config.port == 8081)
        #expect(try load(#"{"redisStreamReadBlockMs": 1e3}"#).config.redisStreamReadBlockMs == 1000)
    }

    @Test func unknownKeysAreWarningsNamingThePath() throws {
        let loaded = try load(#"{"streamPrefix": "x", "redis": {"foo": 1}, "bar": {"baz": 2}}"#)
        #expect(loaded.warnings.count == 3)
        #expect(loaded.warnings.contains { $0.hasPrefix("streamPrefix:") && $0.contains("redisStreamPrefix") })
        #expect(loaded.warnings.contains { $0.hasPrefix("redis.foo:") })
        #expect(loaded.warnings.contains { $0.hasPrefix("bar:") })
        #expect(loaded.config.redisStreamPrefix == "async-events-")
    }

    @Test func loadsAFileFromDisk() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID()).json")
        try Data(#"{"port": 9100, "jwtSecret": "\#(validSecret)"}"#.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let loaded = try ConfigLoader.load(path: url.path, environment: ["PORT": "9200"])
        #expect(loaded.config.port == 9200)
        #expect(loaded.config.jwtSecret == validSecret)
    }

    @Test func noPathMeansNoFile() throws {
        let loaded = try ConfigLoader.load(path: nil, environment: ["JWT_SECRET": validSecret])
        #expect(loaded.config.port == 8080)
    }
}

/// `status` reads the configuration only to find the service.
@Suite struct UnvalidatedLoadTests {
    @Test func validationRulesDoNotApply() throws {
        let path = NSTemporaryDirectory() + "unvalidated-\(UUID().uuidString.prefix(8)).json"
        try Data("{\"jwtSecret\": \"short\", \"port\": 9123, \"controlSocket\": \"/tmp/x.sock\"}".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try ConfigLoader.loadUnvalidated(path: path, environment: ["PORT": "9124"])
        #expect(config.port == 9124, "environment still overrides the file")
        #expect(config.controlSocket == "/tmp/x.sock")
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: path, environment: [:]) }
    }

    @Test func aFileThatIsNotJSONIsStillAnError() throws {
        let path = NSTemporaryDirectory() + "unvalidated-\(UUID().uuidString.prefix(8)).json"
        try Data("port = 8080".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ConfigError.self) { try ConfigLoader.loadUnvalidated(path: path, environment: [:]) }
    }
}
