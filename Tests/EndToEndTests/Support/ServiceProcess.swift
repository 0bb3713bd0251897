import Foundation
import Glibc
import TestSupport

/// The real `superset-websocket serve` as a process, with its own `redis-server`, a fake
/// `NOTIFY_SOCKET` and `WATCHDOG_USEC=1000000`.
final class ServiceProcess {
    static let watchdogUsec = 1_000_000

    let redis: RedisServer
    let port: Int
    let directory: String
    let configPath: String
    private(set) var config: [String: Any] = [:]
    let notify: NotifySocket
    let process = Process()
    private let stderrPath: String

    var pid: Int32 { process.processIdentifier }

    /// - Parameter config: overrides merged over the test defaults (2 workers, 1.5 s
    ///   heartbeat timeout, 2 s shutdown timeout, 1 s XREAD block).
    init(port: Int? = nil, config: [String: Any] = [:], redis: RedisServer? = nil,
         onDatagram: (@Sendable (NotifySocket.Datagram) -> Void)? = nil) throws {
        self.redis = try redis ?? RedisServer()
        self.port = try port ?? FreePort.loopback()
        directory = NSTemporaryDirectory() + "service-test-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        configPath = directory + "/config.json"
        stderrPath = directory + "/stderr.log"
        notify = try NotifySocket(directory: directory, onDatagram: onDatagram)

        var full: [String: Any] = [
            "host": "127.0.0.1", "workers": 2, "jwtSecret": TestTokens.secret,
            "workerHeartbeatTimeoutMs": 1_500, "shutdownTimeoutMs": 2_000, "redisStreamReadBlockMs": 1_000,
            "redis": ["host": "127.0.0.1", "port": self.redis.port],
            "controlSocket": directory + "/control.sock",
        ]
        full.merge(config) { _, new in new }
        full["port"] = self.port
        try writeConfig(full)

        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = Self.binary
        process.arguments = ["serve", "--config", configPath]
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("REDIS_") || key.hasPrefix("JWT_") || key == "PORT" || key == "WORKERS" {
            environment[key] = nil
        }
        environment["NOTIFY_SOCKET"] = notify.path
        environment["WATCHDOG_USEC"] = String(Self.watchdogUsec)
        environment["WATCHDOG_PID"] = nil
        process.environment = environment
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardOutput = FileHandle.nullDevice
        let process = self.process
        try SignalMask.runWithDefaultMask { try process.run() }
    }

    /// The `superset-websocket` binary SwiftPM built next to the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("superset-websocket")
    }

    func writeConfig(_ config: [String: Any]) throws {
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        self.config = config
    }

    func updateConfig(_ changes: [String: Any]) throws {
        try writeConfig(config.merging(changes) { _, new in new })
    }

    func writeRawConfig(_ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: configPath))
    }

    var stderr: String {
        (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
    }

    var workers: Set<Int32> { Processes.children(of: pid) }

    func signal(_ signal: Int32) {
        kill(pid, signal)
    }

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
        guard await eventually(timeoutMs: timeoutMs, { stderr.components(separatedBy: "firehose resolved").count - 1 >= count }) else {
            throw TestFailure("workers did not reach the firehose; stderr:\n\(stderr)")
        }
    }

    func waitForExit(timeoutMs: Int64) async -> Int32? {
        guard await eventually(timeoutMs: timeoutMs, { !process.isRunning }) else { return nil }
        return process.terminationStatus
    }

    func tearDown() async {
        if process.isRunning {
            kill(pid, SIGCONT)
            for worker in workers { kill(worker, SIGCONT) }
            signal(SIGTERM)
            if await waitForExit(timeoutMs: 5_000) == nil { kill(pid, SIGKILL) }
        }
        await notify.stop()
        redis.stop()
        try? FileManager.default.removeItem(atPath: directory)
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
