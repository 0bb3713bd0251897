import Foundation
import TestSupport

/// What a scenario needs of the server it measures: where it listens, its processes,
/// how many sockets each worker (or loop) holds, and how to make it send events.
protocol BenchServer: AnyObject {
    var label: String { get }
    var port: Int { get }
    var pids: [Int32] { get }
    func socketsPerWorker() throws -> [Int]
    /// Waits until the server is ready for the next scenario (no sockets left from the
    /// last one; for the service, every worker up with its firehose resolved).
    func settle(timeout: Double) -> Bool
    /// Workers the supervisor has replaced so far (0 for the ceiling).
    func restarts() -> Int
}

extension BenchServer {
    /// Polls the server's own count (another process: nothing to await) until it is
    /// `total`; returns the per-worker counts, nil on timeout.
    func waitForSockets(_ total: Int, timeout: Double) -> [Int]? {
        let limit = Date().addingTimeInterval(timeout)
        repeat {
            if let counts = try? socketsPerWorker(), counts.reduce(0, +) == total { return counts }
            usleep(100_000)
        } while Date() < limit
        return nil
    }
}

/// The service: 2 workers, Redis, JWT, everything.
final class OurServer: BenchServer {
    let label = "ours"
    let service: ServiceUnderTest
    init(_ service: ServiceUnderTest) { self.service = service }
    var port: Int { service.port }
    var pids: [Int32] { service.pids }
    func socketsPerWorker() throws -> [Int] { try service.status().workers.map(\.connections) }

    func settle(timeout: Double) -> Bool {
        (try? service.waitForStatus(timeout: timeout) { status in
            status.totals.connections == 0 && status.workers.count == 2
                && status.workers.allSatisfy { !($0.firehoseLastID ?? "").isEmpty }
        }) != nil
    }

    func restarts() -> Int { (try? service.status().totals.restarts) ?? -1 }
}

/// The ceiling: one `loadgen ceiling` process per worker of the service, all on one
/// `SO_REUSEPORT` port (a process may hold only ~20,000 sockets here), driven through
/// their stdin.
final class CeilingTarget: BenchServer {
    let label = "ceiling"
    let processes: [DrivenProcess]
    let port: Int

    private struct Listening: Decodable { var port: Int }
    struct Done: Decodable { var written: UInt64; var startNs: UInt64; var endNs: UInt64 }

    init(executable: String, directory: String, processes count: Int) throws {
        let port = try FreePort.outsideEphemeralRange()
        self.port = port
        processes = try (0..<count).map { index in
            try DrivenProcess(
                name: "ceiling-\(index)", executable: executable,
                arguments: ["ceiling", "--port", String(port), "--threads", "1", "--reuse-port"],
                stderrPath: directory + "/ceiling-\(index).log")
        }
        for process in processes { _ = try process.wait(for: "listening", as: Listening.self, timeout: 30) }
    }

    var pids: [Int32] { processes.map(\.pid) }

    func settle(timeout: Double) -> Bool { waitForSockets(0, timeout: timeout) != nil }

    func restarts() -> Int { 0 }

    func socketsPerWorker() throws -> [Int] {
        processes.forEach { $0.send("connections") }
        return try processes.flatMap { try $0.wait(for: "connections", as: [Int].self, timeout: 10) }
    }

    /// Sends `line` to every process; returns the earliest start and the latest end.
    func command(_ line: String, timeout: Double) throws -> Done {
        processes.forEach { $0.send(line) }
        let done = try processes.map { try $0.wait(for: "done", as: Done.self, timeout: timeout) }
        return Done(
            written: done.reduce(0) { $0 + $1.written }, startNs: done.map(\.startNs).min() ?? 0, endNs: done.map(\.endNs).max() ?? 0)
    }

    /// `perSocket` messages to every socket at `perSecond` in total: each process gets
    /// the share of the rate its sockets are of all of them.
    func paced(perSocket: Int, perSecond: Double, timeout: Double) throws -> Done {
        let counts = try processes.map { process -> Int in
            process.send("connections")
            return try process.wait(for: "connections", as: [Int].self, timeout: 10).reduce(0, +)
        }
        let total = max(1, counts.reduce(0, +))
        for (process, count) in zip(processes, counts) {
            process.send("paced \(perSocket) \(perSecond * Double(count) / Double(total))")
        }
        let done = try processes.map { try $0.wait(for: "done", as: Done.self, timeout: timeout) }
        return Done(
            written: done.reduce(0) { $0 + $1.written }, startNs: done.map(\.startNs).min() ?? 0, endNs: done.map(\.endNs).max() ?? 0)
    }

    func stop() { processes.forEach { $0.finish(timeout: 10) } }
}
