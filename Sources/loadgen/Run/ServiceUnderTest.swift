import Foundation
import TestSupport

/// `superset-websocket serve` with 2 workers on a private Redis, as the driver runs it:
/// environment configuration only, readiness from `READY=1`, then every worker's
/// firehose resolved (read from the status socket).
final class ServiceUnderTest {
    let port: Int
    let process: ChildProcess
    private let binary: String
    private let environment: [String: String]

    init(binary: String, redisPort: Int, workers: Int, directory: String) throws {
        self.binary = binary
        port = try FreePort.loopback()
        let notify = try NotifyListener(path: directory + "/notify.sock")
        var environment = ProcessInfo.processInfo.environment
        environment["PORT"] = String(port)
        environment["REDIS_HOST"] = "127.0.0.1"
        environment["REDIS_PORT"] = String(redisPort)
        environment["JWT_SECRET"] = TestTokens.secret
        environment["WORKERS"] = String(workers)
        environment["LOG_LEVEL"] = "warn"
        environment["CONTROL_SOCKET"] = directory + "/control.sock"
        environment["NOTIFY_SOCKET"] = notify.path
        self.environment = environment
        process = try ChildProcess(
            name: "service", executable: binary, arguments: ["serve"], environment: environment,
            stderrPath: directory + "/service.log")
        guard notify.wait(for: "READY=1", timeout: 60) else {
            process.signal(SIGKILL)
            throw ChildProcess.Failure(description: "the service did not send READY=1 within 60 s (see \(directory)/service.log)")
        }
        guard try waitForStatus(timeout: 30, { status in
            status.workers.count == workers && status.workers.allSatisfy { !($0.firehoseLastID ?? "").isEmpty }
        }) != nil else {
            throw ChildProcess.Failure(description: "the workers did not resolve the firehose within 30 s")
        }
    }

    /// The supervisor and its workers.
    var pids: [Int32] { ProcessMemory.tree(process.pid) }

    struct Status: Decodable {
        struct Worker: Decodable {
            var pid: Int32
            var connections: Int
            var firehoseLastID: String?
        }
        struct Totals: Decodable {
            var connections: Int
            var counters: [String: Int64]
        }
        var workers: [Worker]
        var totals: Totals
    }

    /// `superset-websocket status --json`.
    func status() throws -> Status {
        let pipe = Pipe()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: binary)
        child.arguments = ["status", "--json"]
        child.environment = environment
        child.standardOutput = pipe
        child.standardError = FileHandle.nullDevice
        try child.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        return try JSONDecoder().decode(Status.self, from: data)
    }

    /// Polls the status socket (another process's state: nothing to await) until
    /// `condition` holds; nil on timeout.
    func waitForStatus(timeout: Double, _ condition: (Status) -> Bool) throws -> Status? {
        let limit = Date().addingTimeInterval(timeout)
        while Date() < limit {
            if let status = try? status(), condition(status) { return status }
            usleep(100_000)
        }
        return nil
    }

    func stop() {
        process.signal(SIGTERM)
        process.waitForExit(timeout: 20)
    }
}
