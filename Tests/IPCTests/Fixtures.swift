import IPC

/// One of every message, with fields that exercise JSON escaping and non-ASCII text.
enum Fixtures {
    static let heartbeat = Heartbeat(
        connections: 15, channels: 3, redisState: RedisState.connected.rawValue,
        readerProgressAgeMs: 1_234, firehoseLastID: "1700000000000-42",
        counters: ["events_read": 9_000_000_000, "ws_connected_client": 7],
        gauges: ["history_bytes": 1 << 20])

    static let workerMessages: [WorkerMessage] = [
        .hello(Hello(pid: 4242, generation: 3, index: 1)),
        .ready,
        .bootFailed(reason: "cannot listen on 0.0.0.0:8080: Address already in use \u{2014} \"quoted\"\n"),
        .heartbeat(heartbeat),
        .heartbeat(Heartbeat()),
        .draining,
    ]

    static let supervisorMessages: [SupervisorMessage] = [
        .start(StartInfo(generation: 2, index: 0, configJSON: #"{"port": 8080, "jwtSecret": "ünïcödé\u0000"}"#)),
        .drain(deadlineMs: 30_000),
        .stop,
    ]

    /// A frame header: big-endian length (of version + type + payload), version, type.
    static func header(length: UInt32, version: UInt8 = IPCProtocol.version, type: UInt8) -> [UInt8] {
        withUnsafeBytes(of: length.bigEndian) { Array($0) } + [version, type]
    }
}

/// A small deterministic generator, so that a failing fuzz case can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
