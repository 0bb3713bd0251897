import Foundation
import NIOConcurrencyHelpers

/// A child process of the driver: stdin to send it commands, stdout read as JSON lines
/// (`{"event": …, "body": …}`) that the driver waits for by name, stderr to a log file.
final class ChildProcess: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let name: String
    let process = Process()
    private let stdin = Pipe()
    private let stdout = Pipe()
    private let condition = NSCondition()
    private var lines: [(event: String, data: Data)] = []
    private var ended = false
    private var exited = false

    init(name: String, executable: String, arguments: [String], environment: [String: String]? = nil, stderrPath: String) throws {
        self.name = name
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = stdin
        process.standardOutput = stdout
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.terminationHandler = { [condition] _ in
            condition.lock()
            self.markExited()
            condition.broadcast()
            condition.unlock()
        }
        try process.run()
        let thread = Thread { [self] in readLines() }
        thread.name = "child-\(name)"
        thread.start()
    }

    var pid: Int32 { process.processIdentifier }

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
                condition.lock()
                lines.append((event, Data(line)))
                condition.broadcast()
                condition.unlock()
            }
        }
        condition.lock()
        ended = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for the next line with this event name (consuming it) and decodes its body.
    func wait<Body: Decodable>(for event: String, as type: Body.Type, timeout: Double) throws -> Body {
        let limit = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let index = lines.firstIndex(where: { $0.event == event }) {
                let line = lines.remove(at: index)
                condition.unlock()
                defer { condition.lock() }
                let wrapper = try JSONDecoder().decode(Wrapper<Body>.self, from: line.data)
                return wrapper.body
            }
            if ended { throw Failure(description: "\(name) exited before it said \(event)") }
            if !condition.wait(until: limit) { throw Failure(description: "\(name) did not say \(event) within \(timeout) s") }
        }
    }

    private struct Wrapper<Body: Decodable>: Decodable { let body: Body }

    func send(_ line: String) {
        try? stdin.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Closes stdin (the suite's processes exit on EOF), waits up to `timeout`, then kills.
    func finish(timeout: Double = 10) {
        try? stdin.fileHandleForWriting.close()
        waitForExit(timeout: timeout)
    }

    func signal(_ number: Int32) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }

    private func markExited() { exited = true }

    /// Waits for the process to exit (its termination handler), killing it after
    /// `timeout`. Never calls `Process.waitUntilExit`, which was seen to hang on Linux
    /// for a child already reaped; a process that is gone (`kill(pid, 0)` fails) counts
    /// as exited even if the handler has not run.
    func waitForExit(timeout: Double) {
        if !waitExited(until: Date().addingTimeInterval(timeout)) {
            kill(pid, SIGKILL)
            _ = waitExited(until: Date().addingTimeInterval(5))
        }
    }

    private func waitExited(until limit: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !exited {
            if kill(pid, 0) != 0, errno == ESRCH { return true }
            // The handler normally wakes us; the short slice only bounds the fallback check.
            let slice = min(limit, Date().addingTimeInterval(0.2))
            if !condition.wait(until: slice), Date() >= limit { return exited }
        }
        return true
    }
}
