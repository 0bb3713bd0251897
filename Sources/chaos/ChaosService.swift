import Foundation
import RedisStreams
import TestSupport

/// The system under test: a real `redis-server` (append-only file, fsync always, so its
/// streams survive restarts and crashes) and the real `superset-websocket serve` with 2
/// workers, in a temporary directory. `tearDown()` stops both and removes everything;
/// it is idempotent and safe from any thread (the hard-deadline watchdog calls it too).
final class ChaosService: @unchecked Sendable {
    // @unchecked: `process`, `torn` are guarded by `lock`; the rest is immutable.
    let redis: RedisServer
    let port: Int
    let directory: String
    let configPath: String
    let logPath: String
    let binary: String
    private let lock = NSLock()
    private var process: Process?
    private var torn = false

    init(options: ChaosOptions) throws {
        binary = options.binary ?? Self.binaryNextToThisOne()
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw SetupError("no superset-websocket binary at \(binary) (build it, or pass --binary)")
        }
        redis = try RedisServer(persistence: .appendOnly)
        port = try FreePort.loopback()
        directory = NSTemporaryDirectory() + "chaos-\(UUID().uuidString.prefix(8))"
        configPath = directory + "/config.json"
        logPath = directory + "/service.log"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var config: [String: Any] = [
            "host": "127.0.0.1", "port": port, "workers": 2, "jwtSecret": TestTokens.secret,
            // A hung (SIGSTOPped) worker is replaced after 2.5 s.
            "workerHeartbeatTimeoutMs": 2_500, "shutdownTimeoutMs": 2_000, "redisStreamReadBlockMs": 1_000,
            "pingSocketsIntervalMs": 5_000, "socketResponseTimeoutMs": 20_000,
            "redis": ["host": "127.0.0.1", "port": redis.port],
            "controlSocket": directory + "/control.sock",
            // Nobody listens there: StatsD is fire-and-forget UDP.
            "statsd": ["host": "127.0.0.1", "port": try FreePort.loopback()],
        ]
        if options.maxSocketBufferBytes > 0 { config["maxSocketBufferBytes"] = options.maxSocketBufferBytes }
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: configPath))
    }

    static func binaryNextToThisOne() -> String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("superset-websocket").path
    }

    var supervisorPID: Int32? { lock.withLock { process?.processIdentifier } }

    /// The live worker processes, by pid.
    var workers: [Int32] {
        guard let pid = supervisorPID else { return [] }
        return ProcessTable.children(of: pid, running: "worker")
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts the supervisor and waits until both workers have resolved the firehose.
    func start(timeout: Double = 30) throws {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--config", configPath]
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys
        where key.hasPrefix("REDIS_") || key.hasPrefix("JWT_") || key.hasPrefix("LISTEN_") || key.hasPrefix("WATCHDOG_")
            || ["PORT", "WORKERS", "NOTIFY_SOCKET", "HOST", "MAX_SOCKET_BUFFER_BYTES", "LOG_LEVEL"].contains(key) {
            environment[key] = nil
        }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardInput = FileHandle.nullDevice
        try SignalMask.runWithDefaultMask { try process.run() }
        lock.withLock { self.process = process }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            guard process.isRunning else { throw SetupError("the service exited at start; its log:\n\(log)") }
            if log.components(separatedBy: "firehose resolved").count - 1 >= 2, workers.count == 2 { return }
            usleep(50_000)  // Polling another process's log: there is no event to await.
        }
        throw SetupError("the workers did not reach the firehose within \(Int(timeout)) s; log:\n\(log)")
    }

    /// `superset-websocket status --json`: the supervisor's totals (counters summed over
    /// every worker, including replaced ones).
    func statusCounters() -> [String: Int64] {
        let status = Process()
        status.executableURL = URL(fileURLWithPath: binary)
        status.arguments = ["status", "--json", "--config", configPath]
        let pipe = Pipe()
        status.standardOutput = pipe
        status.standardError = FileHandle.nullDevice
        guard (try? status.run()) != nil else { return [:] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        status.waitUntilExit()
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let totals = root["totals"] as? [String: Any],
              let counters = totals["counters"] as? [String: Any] else { return [:] }
        return counters.compactMapValues { ($0 as? NSNumber)?.int64Value }
    }

    /// Resumes stopped workers, stops the supervisor (SIGTERM, SIGKILL after 5 s), kills
    /// any worker left, stops Redis and removes both directories.
    func tearDown() {
        let process: Process? = lock.withLock {
            defer { torn = true }
            return torn ? nil : self.process
        }
        if let process, process.isRunning {
            let pid = process.processIdentifier
            let workers = ProcessTable.children(of: pid, running: "worker")
            for worker in workers { kill(worker, SIGCONT) }
            kill(pid, SIGTERM)
            if !Self.wait(for: process, seconds: 5) {
                kill(pid, SIGKILL)
                _ = Self.wait(for: process, seconds: 5)
            }
            for worker in workers where ProcessTable.isAlive(worker) { kill(worker, SIGKILL) }
        }
        redis.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func wait(for process: Process, seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while process.isRunning {
            if Date() >= deadline { return false }
            usleep(10_000)
        }
        return true
    }
}

struct SetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
