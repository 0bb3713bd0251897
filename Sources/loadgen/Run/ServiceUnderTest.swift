import Control
import Foundation
import TestSupport

/// `superset-websocket serve` with 2 workers on a private Redis, as the driver runs it:
/// environment configuration only, readiness from `READY=1`, then every worker's
/// firehose resolved (read from the status socket).
final class ServiceUnderTest {
    let port: Int
    let process: ChildProcess
    private let controlSocket: String

    /// Starts the service on a free port; tries another port when the one picked was
    /// taken meanwhile (other test suites share the machine).
    init(binary: String, redisPort: Int, workers: Int, directory: String) throws {
        controlSocket = directory + "/control.sock"
        var attempt = 0
        while true {
            attempt += 1
            guard let port = ListenPort.pick() else { throw ChildProcess.Failure(description: "no free port for the service") }
            let notify = try NotifyListener(path: directory + "/notify.sock")
            var environment = ProcessInfo.processInfo.environment
            environment["PORT"] = String(port)
            environment["REDIS_HOST"] = "127.0.0.1"
            environment["REDIS_PORT"] = String(redisPort)
            environment["JWT_SECRET"] = TestTokens.secret
            environment["WORKERS"] = String(workers)
            environment["LOG_LEVEL"] = "warn"
            environment["CONTROL_SOCKET"] = controlSocket
            environment["NOTIFY_SOCKET"] = notify.path
            let process = try ChildProcess(
                name: "service", executable: binary, arguments: ["serve"], environment: environment,
                stderrPath: directory + "/service-\(attempt).log")
            if notify.wait(for: "READY=1", timeout: 60, alive: { kill(process.pid, 0) == 0 }) {
                self.port = port
                self.process = process
                break
            }
            process.signal(SIGKILL)
            process.waitForExit(timeout: 5)
            guard attempt < 3 else {
                throw ChildProcess.Failure(description: "the service did not send READY=1 (see \(directory)/service-*.log)")
            }
            log("the service did not start on port \(port); trying another")
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
            var restarts: Int
            var counters: [String: Int64]
        }
        var workers: [Worker]
        var totals: Totals
    }

    /// The supervisor's status snapshot, read from its control socket (what
    /// `superset-websocket status --json` prints).
    func status() throws -> Status {
        let bytes = try ControlClient.fetch(candidates: [controlSocket])
        return try JSONDecoder().decode(Status.self, from: Data(bytes))
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
