import Foundation
import Testing
import TestSupport

/// Runs the chaos program (Sources/chaos) in its short mode: the real service with 2
/// workers against a real redis-server, tens of thousands of events, hundreds of
/// clients, workers killed and stopped, Redis restarted and crashed, slow consumers cut
/// off; every client must end with exactly its channel's events, once each, in order.
@Suite struct ChaosShortModeTests {
    /// The `chaos` binary SwiftPM built next to the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("chaos")
    }

    @Test(.timeLimit(.minutes(4)))
    func nothingIsLostDuplicatedOrReorderedAcrossFaults() async throws {
        let outputPath = NSTemporaryDirectory() + "chaos-short-\(UUID().uuidString.prefix(8)).log"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["--short"]
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let exited = AsyncStream<Void> { continuation in
            process.terminationHandler = { _ in continuation.yield(); continuation.finish() }
        }
        try SignalMask.runWithDefaultMask { try process.run() }
        // The program bounds itself (a hard deadline); this is the backstop: SIGTERM at
        // 200 s, SIGKILL 10 s later if it has not exited by then.
        let backstop = Task {
            try await Task.sleep(for: .seconds(200))
            process.terminate()
            try await Task.sleep(for: .seconds(10))
            kill(process.processIdentifier, SIGKILL)
        }
        for await _ in exited { break }
        backstop.cancel()
        process.waitUntilExit()
        try? output.close()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        print(text)
        #expect(process.terminationStatus == 0, "chaos exited \(process.terminationStatus):\n\(text.suffix(4_000))")
        #expect(text.contains("lost 0, duplicated 0, out of order 0, unexpected 0"))
    }
}
