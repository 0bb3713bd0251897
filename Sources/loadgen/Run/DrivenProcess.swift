import Foundation
import TestSupport

/// A child of the driver that it commands: lines to its stdin, JSON lines from its stdout
/// (`{"event": …, "body": …}`) that the driver waits for by name, stderr to a log file.
/// The process itself is TestSupport's `ChildProcess`.
final class DrivenProcess: @unchecked Sendable {
    // @unchecked: `lines` and `ended` are guarded by `condition`.

    let name: String
    let child: ChildProcess
    private let stdin = Pipe()
    private let stdout = Pipe()
    private let condition = NSCondition()
    private var lines: [(event: String, data: Data)] = []
    private var ended = false

    init(name: String, executable: String, arguments: [String], stderrPath: String) throws {
        self.name = name
        child = try ChildProcess(
            name: name, executable: executable, arguments: arguments, standardInput: stdin, standardOutput: stdout,
            logPath: stderrPath)
        let thread = Thread { [self] in readLines() }
        thread.name = "child-\(name)"
        thread.start()
    }

    var pid: Int32 { child.pid }

    private func readLines() {
        let handle = stdout.fileHandleForReading
        var pending = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = pending[pending.startIndex..<newline]
                pending = Data(pending[(newline + 1)...])
                let event = (try? JSONSerialization.jsonObject(with: line) as? [String: Any])?["event"] as? String ?? ""
                condition.withLock {
                    lines.append((event, Data(line)))
                    condition.broadcast()
                }
            }
        }
        condition.withLock {
            ended = true
            condition.broadcast()
        }
    }

    /// Waits for the next line with this event name (consuming it) and decodes its body.
    func wait<Body: Decodable>(for event: String, as type: Body.Type, timeout: Double) throws -> Body {
        let limit = Date().addingTimeInterval(timeout)
        let line: Data = try condition.withLock {
            while true {
                if let index = lines.firstIndex(where: { $0.event == event }) { return lines.remove(at: index).data }
                if ended { throw ChildProcess.Failure("\(name) exited before it said \(event)") }
                if !condition.wait(until: limit) { throw ChildProcess.Failure("\(name) did not say \(event) within \(timeout) s") }
            }
        }
        return try JSONDecoder().decode(Wrapper<Body>.self, from: line).body
    }

    private struct Wrapper<Body: Decodable>: Decodable { let body: Body }

    func send(_ line: String) {
        try? stdin.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Closes stdin (the suite's processes exit on EOF), waits up to `timeout`, then kills.
    func finish(timeout: Double = 10) {
        try? stdin.fileHandleForWriting.close()
        if child.waitForExit(seconds: timeout) == nil {
            child.signal(SIGKILL)
            child.waitForExit(seconds: 5)
        }
    }
}
