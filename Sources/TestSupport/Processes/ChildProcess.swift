import Foundation

/// A child process of a test or of the benchmark driver: started with the default signal
/// mask, its stderr in a log file, its exit known from `Process`'s termination handler
/// (so callers await the exit instead of polling for it).
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `status`, `waiters`, `cancelled` and `nextWaiter` are guarded by `condition`.

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public let name: String
    public let logPath: String
    private let process = Process()
    private let condition = NSCondition()
    private var status: Int32?
    private var waiters: [UInt64: CheckedContinuation<Int32?, Never>] = [:]
    private var cancelled: Set<UInt64> = []
    private var nextWaiter: UInt64 = 0

    /// Starts `executable`. `standardInput`/`standardOutput` take a `Pipe` or a
    /// `FileHandle` (nil: `/dev/null`); stderr goes to `logPath`, truncated.
    public init(
        name: String, executable: String, arguments: [String], environment: [String: String]? = nil,
        standardInput: Any? = nil, standardOutput: Any? = nil, logPath: String
    ) throws {
        self.name = name
        self.logPath = logPath
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = standardInput ?? FileHandle.nullDevice
        process.standardOutput = standardOutput ?? FileHandle.nullDevice
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.terminationHandler = { [weak self] process in self?.exited(process.terminationStatus) }
        let process = self.process
        try SignalMask.runWithDefaultMask { try process.run() }
    }

    public var pid: Int32 { process.processIdentifier }

    /// The exit status (or signal number) once it has exited, nil while it runs.
    public var exitStatus: Int32? { condition.withLock { status } }

    public var isRunning: Bool { exitStatus == nil }

    /// What it wrote to stderr so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Sends `number` unless it has exited (its pid may belong to another process then).
    public func signal(_ number: Int32) {
        condition.withLock { if status == nil { kill(process.processIdentifier, number) } }
    }

    /// Blocks until it exits or `seconds` pass; the exit status, nil on timeout.
    @discardableResult
    public func waitForExit(seconds: Double) -> Int32? {
        let limit = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while status == nil {
            if !condition.wait(until: limit) { return status }
        }
        return status
    }

    /// Waits until it exits or `timeout` passes; the exit status, nil on timeout.
    public func exit(within timeout: Duration) async -> Int32? {
        await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await self.exit() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? exitStatus
        }
    }

    /// SIGTERM, then SIGKILL if it has not exited within `graceSeconds`; waits for the exit.
    public func stop(graceSeconds: Double) {
        signal(SIGTERM)
        if waitForExit(seconds: graceSeconds) == nil {
            signal(SIGKILL)
            waitForExit(seconds: 5)
        }
    }

    /// Waits for the exit; nil when the waiting task is cancelled first.
    private func exit() async -> Int32? {
        let id = condition.withLock { () -> UInt64 in
            nextWaiter += 1
            return nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
                let ready: Int32?? = condition.withLock {
                    if let status { return .some(status) }
                    if cancelled.remove(id) != nil { return .some(nil) }
                    waiters[id] = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = condition.withLock { () -> CheckedContinuation<Int32?, Never>? in
                if let waiter = waiters.removeValue(forKey: id) { return waiter }
                cancelled.insert(id)  // Cancelled before it began to wait.
                return nil
            }
            waiter?.resume(returning: nil)
        }
    }

    private func exited(_ code: Int32) {
        let resumed = condition.withLock { () -> [CheckedContinuation<Int32?, Never>] in
            status = code
            condition.broadcast()
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for waiter in resumed { waiter.resume(returning: code) }
    }
}
