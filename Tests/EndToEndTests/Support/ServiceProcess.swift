import Foundation
import Glibc
import TestSupport

/// The real `superset-websocket serve` (TestSupport's `ServiceLauncher`) with its own
/// `redis-server`, a fake `NOTIFY_SOCKET`, `WATCHDOG_USEC=1000000` and the end-to-end
/// tests' defaults.
final class ServiceProcess {
    static let watchdogUsec = 1_000_000

    let redis: RedisServer
    let port: Int
    let launcher: ServiceLauncher

    /// - Parameter config: overrides merged over the test defaults (2 workers, 1.5 s
    ///   heartbeat timeout, 2 s shutdown timeout, 1 s XREAD block).
    init(port: Int? = nil, config: [String: Any] = [:], redis: RedisServer? = nil,
         onDatagram: (@Sendable (NotifySocket.Datagram) -> Void)? = nil) throws {
        self.redis = try redis ?? RedisServer()
        self.port = try port ?? FreePort.loopback()
        let directory = NSTemporaryDirectory() + "service-test-\(UUID().uuidString.prefix(8))"
        var full: [String: Any] = [
            "host": "127.0.0.1", "workers": 2, "jwtSecret": TestTokens.secret,
            "workerHeartbeatTimeoutMs": 1_500, "shutdownTimeoutMs": 2_000, "redisStreamReadBlockMs": 1_000,
            "redis": ["host": "127.0.0.1", "port": self.redis.port],
            "controlSocket": directory + "/control.sock",
        ]
        full.merge(config) { _, new in new }
        full["port"] = self.port
        launcher = try ServiceLauncher(
            directory: directory, config: full, environment: ["WATCHDOG_USEC": String(Self.watchdogUsec)], onDatagram: onDatagram)
        try launcher.start()
    }

    /// The `superset-websocket` binary SwiftPM built next to the test bundle.
    static var binary: URL { URL(fileURLWithPath: ServiceLauncher.binaryNextToThisProcess()) }

    var pid: Int32 { launcher.pid }
    var isRunning: Bool { launcher.isRunning }
    var directory: String { launcher.directory }
    var configPath: String { launcher.configPath }
    var config: [String: Any] { launcher.config }
    var notify: NotifySocket { launcher.notify! }
    var stderr: String { launcher.log }
    var workers: Set<Int32> { launcher.workers }

    func writeConfig(_ config: [String: Any]) throws { try launcher.writeConfig(config) }
    func updateConfig(_ changes: [String: Any]) throws { try launcher.updateConfig(changes) }
    func writeRawConfig(_ text: String) throws { try launcher.writeRawConfig(text) }
    func signal(_ signal: Int32) { launcher.signal(signal) }

    /// A browser-shaped client of `channel`.
    func connect(channel: String, lastID: String? = nil) async throws -> WebSocketTestClient {
        try await WebSocketTestClient.connect(
            port: port, path: lastID.map { "/?last_id=\($0)" } ?? "/", cookie: TestTokens.cookie(TestTokens.superset(channel: channel)))
    }

    /// Waits for `READY=1` and `count` workers.
    @discardableResult
    func waitUntilReady(workers count: Int = 2, timeoutMs: Int64 = 15_000) async throws -> Set<Int32> {
        guard await notify.first("READY", value: "1", timeoutMs: timeoutMs) != nil else {
            throw TestFailure("no READY=1 within \(timeoutMs) ms; stderr:\n\(stderr)")
        }
        guard let pids = await eventually(timeoutMs: 2_000, { workers.count == count ? workers : nil }) else {
            throw TestFailure("expected \(count) workers, have \(workers)")
        }
        return pids
    }

    /// Waits until every worker has resolved the firehose (events published from now on
    /// are delivered): each logs "firehose resolved".
    func waitUntilReading(workers count: Int = 2, timeoutMs: Int64 = 10_000) async throws {
        guard await eventually(timeoutMs: timeoutMs, { launcher.logCount(of: "firehose resolved") >= count }) else {
            throw TestFailure("workers did not reach the firehose; stderr:\n\(stderr)")
        }
    }

    /// Awaits the supervisor's exit: its status, nil if it still runs after `timeoutMs`.
    func waitForExit(timeoutMs: Int64) async -> Int32? {
        await launcher.exit(within: .milliseconds(timeoutMs))
    }

    func tearDown() async {
        launcher.remove()
        redis.stop()
    }
}

/// Runs `body` against a fresh service and always tears it down.
func withService(
    port: Int? = nil,
    config: [String: Any] = [:],
    onDatagram: (@Sendable (NotifySocket.Datagram) -> Void)? = nil,
    _ body: (ServiceProcess) async throws -> Void
) async throws {
    let service = try ServiceProcess(port: port, config: config, onDatagram: onDatagram)
    do {
        try await body(service)
    } catch {
        await service.tearDown()
        throw error
    }
    await service.tearDown()
}
