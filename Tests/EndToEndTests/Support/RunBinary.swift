import Foundation
import TestSupport

struct BinaryRun {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs the binary to completion as an operator would, without the caller's `REDIS_*`
/// and `JWT_*` variables.
func runBinary(_ arguments: [String], environment: [String: String] = [:]) throws -> BinaryRun {
    let process = Process()
    process.executableURL = ServiceProcess.binary
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("REDIS_") && !$0.key.hasPrefix("JWT_") && $0.key != "MAINPID" }
    env.merge(environment) { _, new in new }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try SignalMask.runWithDefaultMask { try process.run() }
    let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return BinaryRun(status: process.terminationStatus, stdout: stdout, stderr: stderr)
}
