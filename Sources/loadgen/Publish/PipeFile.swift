import Foundation
import RedisStreams
import TestSupport

/// The upstream-comparable way of publishing: every `XADD` pair Superset would send,
/// written beforehand as RESP into a file and fed to `redis-cli --pipe`, so that the
/// publisher costs the same whichever server is measured (upstream's Node server was
/// measured with exactly this input, outside this repository).
///
/// The commands are `Publisher.commands(forEvent:of:publishedAtNs:)` (same streams,
/// MAXLEN, channel order and `BenchEvent` shape). Their publish time is when the file was
/// written, so latency is not measured this way, only throughput and CPU.
enum PipeFile {
    /// Writes `plan.count` events' commands to `path`; returns the bytes written.
    @discardableResult
    static func write(_ plan: Publisher.Plan, to path: String) throws -> Int {
        let now = BenchClock.nowNs()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(plan.count * 600)
        for i in 0..<plan.count {
            for command in Publisher.commands(forEvent: i, of: plan, publishedAtNs: now) {
                RESPCommandEncoder.encode(command, into: &bytes)
            }
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw ChildProcess.Failure("could not write \(path)")
        }
        return bytes.count
    }

    /// Runs `redis-cli --pipe` on the file against the Redis on `port`; returns its start and end
    /// times (`BenchClock`). Throws when redis-cli fails or reports errors.
    static func pipe(_ path: String, port: Int, redisCLI: String = "/usr/bin/redis-cli") throws -> (startNs: UInt64, endNs: UInt64) {
        guard FileManager.default.isExecutableFile(atPath: redisCLI) else {
            throw ChildProcess.Failure("\(redisCLI) is not installed (Debian's redis-tools)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: redisCLI)
        process.arguments = ["-h", "127.0.0.1", "-p", String(port), "--pipe"]
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let start = BenchClock.nowNs()
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let end = BenchClock.nowNs()
        // redis-cli ends with "errors: 0, replies: N".
        guard process.terminationStatus == 0, text.contains("errors: 0,") else {
            throw ChildProcess.Failure("redis-cli --pipe failed: \(text.suffix(300))")
        }
        return (start, end)
    }
}
