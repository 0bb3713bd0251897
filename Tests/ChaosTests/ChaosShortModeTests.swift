import Foundation
import Testing
import TestSupport

/// Runs the chaos program (Sources/chaos) in its short mode: the real service with 2
/// workers against a real redis-server, tens of thousands of events, hundreds of
/// clients, workers killed and stopped, Redis restarted and crashed, slow consumers cut
/// off; every client must end with exactly its channel's events, once each, in order.
/// Serialized: each run loads both cores on its own.
@Suite(.serialized) struct ChaosShortModeTests {
    /// The `chaos` binary SwiftPM built next to the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("chaos")
    }

    @Test(.timeLimit(.minutes(4)))
    func nothingIsLostDuplicatedOrReorderedAcrossFaults() async throws {
        let (status, text) = try await Self.runChaos(["--short"], backstopSeconds: 200)
        #expect(status == 0, "chaos exited \(status):\n\(text.suffix(4_000))")
        #expect(text.contains("lost 0, duplicated 0, out of order 0, unexpected 0"))
    }

    /// Superset 7's realtime protocol (`chaos --short --realtime`, about a minute): PUBLISHes
    /// over user, tab and broadcast routes while clients resume with `last_message_id`
    /// through the same faults; only what a gap notice announced may be missing.
    @Test(.timeLimit(.minutes(2)))
    func realtimeResumeLosesNothingUnannouncedAcrossFaults() async throws {
        let (status, text) = try await Self.runChaos(["--short", "--realtime"], backstopSeconds: 100)
        #expect(status == 0, "chaos exited \(status):\n\(text.suffix(4_000))")
        #expect(text.contains("lost 0, duplicated 0, out of order 0, unexpected 0"))
        #expect(text.contains("gap notices excusing"), "the report counts what gap notices excused")
    }

    /// Runs `chaos` with `arguments`; its exit status and output. The program bounds
    /// itself (a hard deadline); the backstop is SIGTERM after `backstopSeconds`, SIGKILL
    /// 10 s later.
    static func runChaos(_ arguments: [String], backstopSeconds: Int) async throws -> (Int32, String) {
        let outputPath = NSTemporaryDirectory() + "chaos-short-\(UUID().uuidString.prefix(8)).log"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let exited = AsyncStream<Void> { continuation in
            process.terminationHandler = { _ in continuation.yield(); continuation.finish() }
        }
        try SignalMask.runWithDefaultMask { try process.run() }
        let backstop = Task {
            try await Task.sleep(for: .seconds(backstopSeconds))
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
        return (process.terminationStatus, text)
    }
}
