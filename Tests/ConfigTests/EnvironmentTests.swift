import Testing
@testable import Config

/// One environment variable, a value for it, and what the configuration must then hold.
struct EnvCase: Sendable, CustomTestStringConvertible {
    let name: String
    let value: String
    /// Other variables the value needs to be valid (a key file needs its certificate).
    var companions: [String: String] = [:]
    let holds: @Sendable (ServiceConfig) -> Bool
    var testDescription: String { "\(name)=\(value)" }

    init(name: String, value: String, with companions: [String: String] = [:], holds: @escaping @Sendable (ServiceConfig) -> Bool) {
        self.name = name
        self.value = value
        self.companions = companions
        self.holds = holds
    }
}

/// Written out by hand (not derived from the key table) so a wrong name or a key
/// path mix-up in the table fails a test.
let envCases: [EnvCase] = [
    EnvCase(name: "PORT", value: "9001") { $0.port == 9001 },
    EnvCase(name: "HOST", value: "127.0.0.2") { $0.host == "127.0.0.2" },
    EnvCase(name: "WORKERS", value: "3") { $0.workers == 3 },
    EnvCase(name: "LOG_LEVEL", value: "debug") { $0.logLevel == "debug" },
    EnvCase(name: "LOG_TO_FILE", value: "true") { $0.logToFile == true },
    EnvCase(name: "LOG_FILENAME", value: "ws.log") { $0.logFilename == "ws.log" },
    EnvCase(name: "REDIS_STREAM_PREFIX", value: "p-") { $0.redisStreamPrefix == "p-" },
    EnvCase(name: "REDIS_STREAM_READ_COUNT", value: "7") { $0.redisStreamReadCount == 7 },
    EnvCase(name: "REDIS_STREAM_READ_BLOCK_MS", value: "250") { $0.redisStreamReadBlockMs == 250 },
    EnvCase(name: "JWT_SECRET", value: String(repeating: "k", count: 40)) { $0.jwtSecret == String(repeating: "k", count: 40) },
    EnvCase(name: "JWT_COOKIE_NAME", value: "tok") { $0.jwtCookieName == "tok" },
    EnvCase(name: "ALLOWED_ORIGINS", value: "https://a, https://b") { $0.allowedOrigins == ["https://a", "https://b"] },
    EnvCase(name: "SOCKET_RESPONSE_TIMEOUT_MS", value: "111") { $0.socketResponseTimeoutMs == 111 },
    EnvCase(name: "PING_SOCKETS_INTERVAL_MS", value: "222") { $0.pingSocketsIntervalMs == 222 },
    EnvCase(name: "GC_CHANNELS_INTERVAL_MS", value: "333") { $0.gcChannelsIntervalMs == 333 },
    EnvCase(name: "MAX_SOCKET_BUFFER_BYTES", value: "4096") { $0.maxSocketBufferBytes == 4096 },
    EnvCase(name: "EVENT_YIELD_BATCH_SIZE", value: "9") { $0.eventYieldBatchSize == 9 },
    EnvCase(name: "MAX_CONNECTIONS_PER_CHANNEL", value: "5") { $0.maxConnectionsPerChannel == 5 },
    EnvCase(name: "MAX_TOTAL_CONNECTIONS", value: "500") { $0.maxTotalConnections == 500 },
    EnvCase(name: "HANDSHAKE_TIMEOUT_MS", value: "444") { $0.handshakeTimeoutMs == 444 },
    EnvCase(name: "SHUTDOWN_TIMEOUT_MS", value: "0") { $0.shutdownTimeoutMs == 0 },
    EnvCase(name: "WORKER_HEARTBEAT_TIMEOUT_MS", value: "555") { $0.workerHeartbeatTimeoutMs == 555 },
    EnvCase(name: "STATSD_HOST", value: "stats.local") { $0.statsd.host == "stats.local" },
    EnvCase(name: "STATSD_PORT", value: "9125") { $0.statsd.port == 9125 },
    EnvCase(name: "STATSD_GLOBAL_TAGS", value: "env:prod,app:ws") { $0.statsd.globalTags == ["env:prod", "app:ws"] },
    EnvCase(name: "STATSD_FLUSH_INTERVAL_MS", value: "2500") { $0.statsd.flushIntervalMs == 2500 },
    EnvCase(name: "STATSD_PREFIX", value: "superset.") { $0.statsd.prefix == "superset." },
    EnvCase(name: "CONTROL_SOCKET", value: "/run/x.sock") { $0.controlSocket == "/run/x.sock" },
    EnvCase(name: "WEBSOCKET_PROTOCOL", value: "realtime") { $0.protocol == "realtime" },
    EnvCase(name: "PREVIOUS_JWT_SECRET", value: String(repeating: "v", count: 33)) { $0.previousJwtSecret.count == 33 },
    EnvCase(name: "REALTIME_JWT_COOKIE_NAME", value: "rt") { $0.realtimeJwtCookieName == "rt" },
    EnvCase(name: "REALTIME_CHANNEL_PREFIX", value: "t:") { $0.realtimeChannelPrefix == "t:" },
    EnvCase(name: "REALTIME_BUFFER_MAX_MESSAGES", value: "9") { $0.realtimeBufferMaxMessages == 9 },
    EnvCase(name: "REALTIME_BUFFER_MAX_BYTES", value: "99") { $0.realtimeBufferMaxBytes == 99 },
    EnvCase(name: "REDIS_HOST", value: "redis.local") { $0.redis.host == "redis.local" },
    EnvCase(name: "REDIS_PORT", value: "6380") { $0.redis.port == 6380 },
    EnvCase(name: "REDIS_USERNAME", value: "ws") { $0.redis.username == "ws" },
    EnvCase(name: "REDIS_PASSWORD", value: "hunter2") { $0.redis.password == "hunter2" },
    EnvCase(name: "REDIS_DB", value: "4") { $0.redis.db == 4 },
    EnvCase(name: "REDIS_SSL", value: "TRUE") { $0.redis.ssl == true },
    EnvCase(name: "REDIS_TLS_CA_FILE", value: "/etc/ssl/redis-ca.pem", with: ["REDIS_SSL": "true"]) { $0.redis.tlsCaFile == "/etc/ssl/redis-ca.pem" },
    EnvCase(name: "REDIS_TLS_CERT_FILE", value: "/etc/ssl/c.pem", with: ["REDIS_TLS_KEY_FILE": "/etc/ssl/c.key"]) { $0.redis.tlsCertFile == "/etc/ssl/c.pem" },
    EnvCase(name: "REDIS_TLS_KEY_FILE", value: "/etc/ssl/c.key", with: ["REDIS_TLS_CERT_FILE": "/etc/ssl/c.pem"]) { $0.redis.tlsKeyFile == "/etc/ssl/c.key" },
    EnvCase(name: "REDIS_TLS_SERVER_NAME", value: "redis.internal") { $0.redis.tlsServerName == "redis.internal" },
    EnvCase(name: "REDIS_PATH", value: "/run/redis/redis.sock") { $0.redis.path == "/run/redis/redis.sock" },
    EnvCase(name: "REDIS_SENTINELS", value: "s1:26379, [::1]:26380,s3", with: ["REDIS_SENTINEL_MASTER": "mymaster"]) {
        $0.redis.sentinels == ["s1:26379", "[::1]:26380", "s3"]
    },
    EnvCase(name: "REDIS_SENTINEL_MASTER", value: "cache", with: ["REDIS_SENTINELS": "s1"]) { $0.redis.sentinelMaster == "cache" },
    EnvCase(name: "REDIS_SENTINEL_USERNAME", value: "watcher") { $0.redis.sentinelUsername == "watcher" },
    EnvCase(name: "REDIS_SENTINEL_PASSWORD", value: "s3cret") { $0.redis.sentinelPassword == "s3cret" },
]

@Suite struct EnvironmentTests {
    @Test(arguments: envCases)
    func overridesItsKey(_ envCase: EnvCase) throws {
        var defaults = ServiceConfig()
        defaults.jwtSecret = validSecret
        #expect(!envCase.holds(defaults), "the case must change something")
        var environment = envCase.companions
        environment["JWT_SECRET"] = validSecret
        environment[envCase.name] = envCase.value
        let config = try load(nil, environment: environment).config
        #expect(envCase.holds(config))
    }

    @Test(arguments: envCases)
    func overridesTheFile(_ envCase: EnvCase) throws {
        // A file that sets every key to a valid, non-default value the cases don't use.
        let file = """
        {"port": 1, "host": "h", "workers": 1, "logLevel": "warn", "logToFile": false, "logFilename": "f",
         "redisStreamPrefix": "x", "redisStreamReadCount": 1, "redisStreamReadBlockMs": 1,
         "jwtSecret": "\(validSecret)", "jwtCookieName": "c", "allowedOrigins": ["o"],
         "socketResponseTimeoutMs": 1, "pingSocketsIntervalMs": 1, "gcChannelsIntervalMs": 1,
         "maxSocketBufferBytes": 1, "eventYieldBatchSize": 1, "maxConnectionsPerChannel": 1,
         "maxTotalConnections": 1, "handshakeTimeoutMs": 1, "shutdownTimeoutMs": 1, "workerHeartbeatTimeoutMs": 100,
         "protocol": "both", "previousJwtSecret": "\(String(repeating: "f", count: 32))", "realtimeJwtCookieName": "f",
         "realtimeChannelPrefix": "f", "realtimeBufferMaxMessages": 1, "realtimeBufferMaxBytes": 1,
         "statsd": {"host": "s", "port": 1, "globalTags": ["t"], "flushIntervalMs": 10},
         "redis": {"host": "r", "port": 1, "username": "u", "password": "p", "db": 1, "ssl": false,
                   "tlsCaFile": "/f/ca", "tlsCertFile": "/f/c", "tlsKeyFile": "/f/k", "tlsServerName": "f",
                   "sentinelUsername": "f", "sentinelPassword": "f"}}
        """
        // (`redis.path` and `redis.sentinels` are left out: they exclude each other.)
        var environment = envCase.companions
        environment[envCase.name] = envCase.value
        let config = try load(file, environment: environment).config
        #expect(envCase.holds(config))
    }

    @Test func environmentNamesAreExactlyProtocols() {
        #expect(Set(ConfigLoader.environmentVariableNames) == Set(envCases.map(\.name)))
        #expect(ConfigLoader.environmentVariableNames.count == envCases.count)
    }

    @Test func fileOnlyKeysHaveNoEnvironmentVariable() {
        let fileOnly = ConfigKey.all.filter { $0.environment == nil }.map(\.path)
        #expect(Set(fileOnly) == ["jwtAlgorithms", "jwtChannelIdKey", "redis.validateHostname"])
    }

    @Test(arguments: ["", " ", "  \t\n "])
    func blankValuesAreIgnored(_ blank: String) throws {
        let file = #"{"port": 1234, "jwtCookieName": "from-file", "allowedOrigins": ["a"], "redis": {"ssl": true}}"#
        let env = ["JWT_SECRET": validSecret, "PORT": blank, "JWT_COOKIE_NAME": blank,
                   "ALLOWED_ORIGINS": blank, "REDIS_SSL": blank, "REDIS_PASSWORD": blank]
        let config = try load(file, environment: env).config
        #expect(config.port == 1234)
        #expect(config.jwtCookieName == "from-file")
        #expect(config.allowedOrigins == ["a"])
        #expect(config.redis.ssl == true)
        #expect(config.redis.password == "")
    }

    @Test(arguments: [("TRUE", true), ("True", true), ("true", true), ("tRuE", true),
                      ("yes", false), ("1", false), ("false", false), ("on", false)])
    func booleansAreTrueOnlyForTrue(_ value: String, _ expected: Bool) throws {
        // The file says true, so `false` results really come from the environment.
        let file = #"{"logToFile": true, "redis": {"ssl": true}}"#
        let config = try load(file, environment: ["JWT_SECRET": validSecret, "LOG_TO_FILE": value, "REDIS_SSL": value]).config
        #expect(config.logToFile == expected)
        #expect(config.redis.ssl == expected)
    }

    @Test(arguments: [
        ("a", ["a"]),
        (" a , b ,c ", ["a", "b", "c"]),
        ("a,,b,", ["a", "b"]),
        (",, ,", []),
        ("*", ["*"]),
    ])
    func listsAreCommaSeparatedTrimmedWithoutEmptyEntries(_ value: String, _ expected: [String]) throws {
        let env = ["JWT_SECRET": validSecret, "ALLOWED_ORIGINS": value, "STATSD_GLOBAL_TAGS": value]
        let config = try load(#"{"allowedOrigins": ["x"], "statsd": {"globalTags": ["y"]}}"#, environment: env).config
        #expect(config.allowedOrigins == expected)
        #expect(config.statsd.globalTags == expected)
    }

    @Test func integersToleratesSurroundingWhitespace() throws {
        #expect(try load(nil, environment: ["JWT_SECRET": validSecret, "PORT": " 81 "]).config.port == 81)
    }

    @Test func stringsAreKeptAsGiven() throws {
        let config = try load(nil, environment: ["JWT_SECRET": validSecret, "REDIS_PASSWORD": " p w "]).config
        #expect(config.redis.password == " p w ")
    }
}
