import Control
import Foundation
import TestSupport

/// `superset-websocket serve` with 2 workers on a private Redis, as the driver runs it
/// (TestSupport's `ServiceLauncher`): readiness from `READY=1`, then every worker's
/// firehose resolved (read from the status socket).
final class ServiceUnderTest {
    let port: Int
    let launcher: ServiceLauncher
    private let controlSocket: String

    /// Starts the service on a free port; tries another port when the one picked was
    /// taken meanwhile (other test suites share the machine).
    init(binary: String, redisPort: Int, workers: Int, directory: String) throws {
        controlSocket = directory + "/control.sock"
        var attempt = 0
        while true {
            attempt += 1
            let port = try FreePort.outsideEphemeralRange()
            let launcher = try ServiceLauncher(
                binary: binary, directory: directory + "/service-\(attempt)",
                config: [
                    "port": port, "workers": workers, "logLevel": "warn", "jwtSecret": TestTokens.secret,
                    "redis": ["host": "127.0.0.1", "port": redisPort], "controlSocket": controlSocket,
                ])
            try launcher.start()
            if launcher.notify?.waitFor("READY", value: "1", seconds: 60, alive: { launcher.isRunning }) != nil {
                self.port = port
                self.launcher = launcher
                break
            }
            launcher.stop()
            guard attempt < 3 else {
                throw ChildProcess.Failure("the service did not send READY=1 (see \(directory)/service-*/service.log)")
            }
            log("the service did not start on port \(port); trying another")
        }
        guard try waitForStatus(timeout: 30, { status in
            status.workers.count == workers && status.workers.allSatisfy { !($0.firehoseLastID ?? "").isEmpty }
        }) != nil else {
            throw ChildProcess.Failure("the workers did not resolve the firehose within 30 s")
        }
    }

    /// The supervisor and its workers.
    var pids: [Int32] { ProcessTable.tree(launcher.pid) }

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
        launcher.stop(graceSeconds: 20)
    }
}
