import ArgumentParser
import Foundation
import TestSupport

/// The benchmark: starts a private `redis-server` and the service (2 workers), runs every
/// scenario on it, then the ceiling server on scenarios 1, 2, 4 and 5, and writes
/// `<out>/<date>.json` and `<out>/<date>.md`. A scenario that breaks is reported as
/// broken (and makes the command fail); a number never does.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the benchmark scenarios against the service and the ceiling server.")

    @Option(help: "smoke (small, under a minute) or full (the issue's sizes).") var mode = "smoke"
    @Option(help: "The superset-websocket binary to measure.") var service: String
    @Option(help: "Where the results go.") var out = "bench/tmp"
    @Option(help: "Scratch directory for logs and sockets.") var tmp = "bench/tmp"
    @Option(help: "A note about the machine's other load, written next to the figures.") var note = ""
    @Flag(help: "Skip the ceiling server.") var skipCeiling = false
    @Option(help: "Only these scenarios (comma list of idle, firehose, firehose-upstream, broadcast, latency, storm), e.g. to profile one.")
    var only: String?

    private func wanted(_ name: String) -> Bool {
        guard let only else { return true }
        return only.split(separator: ",").contains { $0 == name }
    }

    func run() throws {
        let sizes: BenchSizes = mode == "full" ? .full : .smoke
        let stamp = ISO8601DateFormatter().string(from: Date())
        let directory = URL(fileURLWithPath: tmp).appendingPathComponent("run-\(ProcessInfo.processInfo.processIdentifier)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var results = BenchResults(
            date: stamp, mode: mode, command: CommandLine.arguments.joined(separator: " "), gitCommit: Machine.gitCommit(),
            machine: Machine.describe(note: note), sizes: sizes)
        let started = Date()
        log("benchmark (\(mode)): logs in \(directory)")

        Cleanup.installSignalHandlers()
        let redis = try RedisServer()
        defer { redis.stop() }
        Cleanup.add { redis.kill() }
        let scenarios = Scenarios(executable: executable, sizes: sizes, directory: directory, redis: redis.endpoint, redisPort: redis.port)
        var rows = Rows()
        let record = Recorder()

        // Ours.
        let service = try ServiceUnderTest(binary: service, redisPort: redis.port, workers: 2, directory: directory)
        let ours = OurServer(service)
        let servicePID = service.launcher.pid
        Cleanup.add { kill(servicePID, SIGKILL) }
        if wanted("idle") {
            rows.idle[0] = record.measure("1/2/7 idle (ours)", key: "idle.ours", restarts: ours.restarts) { try scenarios.idle(ours) }
        }
        if wanted("firehose") {
            rows.firehose = record.measure("3 firehose (ours)", key: "firehose.ours", restarts: ours.restarts) {
                try scenarios.firehose(ours, shape: scenarios.firehoseShape)
            }
        }
        if wanted("firehose-upstream") {
            rows.upstreamFirehose = record.measure("3 firehose, upstream's shape (ours)", key: "firehoseUpstream.ours", restarts: ours.restarts) {
                try scenarios.firehose(ours, shape: scenarios.upstreamFirehoseShape)
            }
        }
        if wanted("broadcast") {
            rows.broadcast[0] = record.measure("4 broadcast (ours)", key: "broadcast.ours", restarts: ours.restarts) { try scenarios.broadcast(ours) }
        }
        if wanted("latency") {
            rows.latency[0] = record.measure("5 latency (ours)", key: "latency.ours", restarts: ours.restarts) { try scenarios.latency(ours) }
        }
        if wanted("storm") {
            rows.storm = record.measure("6 storm (ours)", key: "storm.ours", restarts: ours.restarts) { try scenarios.storm(ours) }
        }
        record.details["service"] = ["workerRestarts": Double(ours.restarts())]
        service.stop()

        // The ceiling.
        if !skipCeiling {
            record.attempt("ceiling") {
                let ceiling = try CeilingTarget(executable: executable, directory: directory, processes: 2)
                defer { ceiling.stop() }
                if wanted("idle") {
                    rows.idle[1] = record.measure("1/2 idle (ceiling)", key: "idle.ceiling") { try scenarios.idle(ceiling) }
                }
                if wanted("broadcast") {
                    rows.broadcast[1] = record.measure("4 broadcast (ceiling)", key: "broadcast.ceiling") { try scenarios.broadcast(ceiling) }
                }
                if wanted("latency") {
                    rows.latency[1] = record.measure("5 latency (ceiling)", key: "latency.ceiling") { try scenarios.latency(ceiling) }
                }
            }
        }

        results.details = record.details
        results.failures = record.failures
        results.machine["loadavgAfter"] = Machine.loadAverage()
        results.machine["seconds"] = String(format: "%.0f", Date().timeIntervalSince(started))
        results.figures = rows.figures(sizes: sizes)
        let day = String(stamp.prefix(10))
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let base = mode == "full" ? day : "\(day)-\(mode)"
        try encoder.encode(results).write(to: URL(fileURLWithPath: "\(out)/\(base).json"))
        let markdown = results.markdown()
        try markdown.write(toFile: "\(out)/\(base).md", atomically: true, encoding: .utf8)
        print(markdown)
        log("wrote \(out)/\(base).json and \(out)/\(base).md in \(Int(Date().timeIntervalSince(started))) s")
        if !results.failures.isEmpty { throw ExitCode(1) }
    }

}

/// Runs scenarios, keeping their raw figures and what broke.
final class Recorder {
    var details: [String: [String: Double]] = [:]
    var failures: [String] = []

    func attempt(_ name: String, _ body: () throws -> Void) {
        log("scenario \(name)")
        let start = Date()
        do {
            try body()
            log("scenario \(name): done in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        } catch {
            log("scenario \(name) broke: \(error)")
            failures.append("\(name): \(error)")
        }
    }
}

extension Recorder {
    /// Runs one scenario under `attempt`, keeps its raw figures under `key` (with the
    /// service's worker restarts so far, when given) and returns its result; nil if it broke.
    func measure<Result: ScenarioResult>(
        _ name: String, key: String, restarts: (() -> Int)? = nil, _ run: () throws -> Result
    ) -> Result? {
        var result: Result?
        attempt(name) {
            let value = try run()
            details[key] = value.details
            if let restarts { details[key]?["workerRestartsSoFar"] = Double(restarts()) }
            result = value
        }
        return result
    }
}

/// A scenario's result: its table figures are fields of its own; `details` keeps the raw ones.
protocol ScenarioResult {
    var details: [String: Double] { get }
}

extension Scenarios.Idle: ScenarioResult {}
extension Scenarios.Firehose: ScenarioResult {}
extension Scenarios.Broadcast: ScenarioResult {}
extension Scenarios.Latency: ScenarioResult {}
extension Scenarios.Storm: ScenarioResult {}

func log(_ text: String) {
    FileHandle.standardError.write(Data("[bench] \(text)\n".utf8))
}
