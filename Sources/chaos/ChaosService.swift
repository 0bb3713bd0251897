import Foundation
import RedisStreams
import TestSupport

/// The system under test: a real `redis-server` (append-only file, fsync always, so its
/// streams survive restarts and crashes) and the real `superset-websocket serve` with 2
/// workers (TestSupport's `ServiceLauncher`). `tearDown()` stops both and removes
/// everything; it is idempotent and safe from any thread (the hard-deadline watchdog
/// calls it too).
final class ChaosService: Sendable {
    let redis: RedisServer
    let port: Int
    let launcher: ServiceLauncher
    let realtime: Bool

    init(options: ChaosOptions) throws {
        redis = try RedisServer(persistence: .appendOnly)
        port = try FreePort.loopback()
        let directory = NSTemporaryDirectory() + "chaos-\(UUID().uuidString.prefix(8))"
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
        if options.realtime { config["protocol"] = "realtime" }
        realtime = options.realtime
        do {
            launcher = try ServiceLauncher(
                binary: options.binary ?? ServiceLauncher.binaryNextToThisProcess(), directory: directory, config: config,
                notify: false)
        } catch {
            redis.stop()
            throw error
        }
    }

    var supervisorPID: Int32? { launcher.isRunning ? launcher.pid : nil }

    /// The live worker processes, by pid.
    var workers: [Int32] { launcher.workers.sorted() }

    var log: String { launcher.log }

    /// Starts the supervisor and waits until both workers have resolved the firehose.
    func start(timeout: Double = 30) throws {
        try launcher.start()
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            guard launcher.isRunning else { throw SetupError("the service exited at start; its log:\n\(log)") }
            let ready = realtime ? launcher.logCount(of: "realtime subscriber subscribed") >= 2 : launcher.logCount(of: "firehose resolved") >= 2
            if ready, workers.count == 2 { return }
            usleep(50_000)  // Polling another process's log: there is no event to await.
        }
        throw SetupError("the workers did not reach the firehose within \(Int(timeout)) s; log:\n\(log)")
    }

    /// `superset-websocket status --json`: the supervisor's totals (counters summed over
    /// every worker, including replaced ones).
    func statusCounters() -> [String: Int64] {
        let status = Process()
        status.executableURL = URL(fileURLWithPath: launcher.binary)
        status.arguments = ["status", "--json", "--config", launcher.configPath]
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

    /// Stops the service (resuming stopped processes; SIGKILL after 5 s), stops Redis
    /// and removes both directories.
    func tearDown() {
        launcher.remove()
        redis.stop()
    }
}

struct SetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
