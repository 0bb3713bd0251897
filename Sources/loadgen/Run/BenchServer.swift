import Foundation

/// What a scenario needs of the server it measures: where it listens, its processes,
/// how many sockets each worker (or loop) holds, and how to make it send events.
protocol BenchServer: AnyObject {
    var label: String { get }
    var port: Int { get }
    var pids: [Int32] { get }
    func socketsPerWorker() throws -> [Int]
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
}

/// The ceiling server, driven through its stdin.
final class CeilingTarget: BenchServer {
    let label = "ceiling"
    let process: ChildProcess
    let port: Int

    private struct Listening: Decodable { var port: Int }
    struct Done: Decodable { var written: UInt64; var startNs: UInt64; var endNs: UInt64 }

    init(executable: String, directory: String) throws {
        process = try ChildProcess(
            name: "ceiling", executable: executable, arguments: ["ceiling", "--threads", "2"], stderrPath: directory + "/ceiling.log")
        port = try process.wait(for: "listening", as: Listening.self, timeout: 30).port
    }

    var pids: [Int32] { [process.pid] }

    func socketsPerWorker() throws -> [Int] {
        process.send("connections")
        return try process.wait(for: "connections", as: [Int].self, timeout: 10)
    }

    func command(_ line: String, timeout: Double) throws -> Done {
        process.send(line)
        return try process.wait(for: "done", as: Done.self, timeout: timeout)
    }

    func stop() { process.finish(timeout: 10) }
}
