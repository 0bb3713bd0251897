import Events
import Foundation
import Logging
import RedisStreams
import TestSupport
import Testing

/// A reader started at `.newest`: it resolves `$` and the warm-up entries itself, on its
/// own connection, with its back-off and its interrupter.
@Suite("FirehoseReader resolving the newest entry against a real redis-server")
struct FirehoseOriginTests {
    final class Harness: Sendable {
        let origins = Recorder<FirehoseOrigin>()
        let delivered = Recorder<StreamEntry>()
        let logs = Recorder<LogRecord>()
        /// "origin" and "batch", in the order the reader called back.
        let calls = Recorder<String>()
        let reader: FirehoseReader

        init(_ endpoint: RedisEndpoint, warmCount: Int = 4, responseTimeoutMs: Int = 2_000) {
            let origins = self.origins
            let delivered = self.delivered
            let calls = self.calls
            reader = FirehoseReader(
                endpoint: endpoint, stream: "full", start: .newest(warmCount: warmCount), count: 7, blockMs: 200,
                responseTimeoutMs: responseTimeoutMs, logger: CapturingLogHandler.logger(logs),
                resolved: {
                    calls.append("origin")
                    origins.append($0)
                },
                deliver: { entries in
                    calls.append("batch")
                    delivered.append(contentsOf: entries)
                })
        }

        deinit {
            reader.stop()
            reader.join(timeoutMs: 5_000)
        }
    }

    private static func publish(_ range: Range<Int>, to endpoint: RedisEndpoint) throws -> [StreamID] {
        let publisher = try connected(endpoint)
        defer { publisher.close() }
        return try publisher.xaddPipelined(
            stream: "full", entries: range.map { [StreamField(name: "data", value: #"{"channel_id": "c", "job_id": "j\#($0)"}"#)] })
    }

    @Test func resolvesTheNewestEntryWarmsWithThoseBeforeItAndReadsAfterIt() throws {
        let server = try RedisServer()
        let before = try Self.publish(0..<10, to: server.endpoint)
        let harness = Harness(server.endpoint, warmCount: 4)
        let reader = harness.reader
        #expect(reader.lastDeliveredID == .zero)
        reader.start()
        #expect(harness.origins.wait(forCount: 1))
        let origin = try #require(harness.origins.snapshot.first)
        #expect(origin.position == before.last)
        #expect(origin.warm.map(\.id) == Array(before.suffix(4)), "the newest entries, oldest first")
        #expect(waitUntil { reader.state == .connected })
        let after = try Self.publish(10..<13, to: server.endpoint)
        #expect(harness.delivered.wait(forCount: 3))
        #expect(harness.delivered.snapshot.map(\.id) == after, "nothing from before the origin")
        #expect(waitUntil { reader.lastDeliveredID == after.last })
        #expect(harness.calls.snapshot.first == "origin" && harness.calls.snapshot.filter { $0 == "origin" }.count == 1)
        #expect(harness.logs.snapshot.contains { $0.message == "firehose resolved" })
    }

    @Test func aStreamThatDoesNotExistYetResolvesToZero() throws {
        let server = try RedisServer()
        let harness = Harness(server.endpoint)
        harness.reader.start()
        #expect(harness.origins.wait(forCount: 1))
        #expect(harness.origins.snapshot == [FirehoseOrigin(position: .zero, warm: [])])
        let first = try Self.publish(0..<2, to: server.endpoint)
        #expect(harness.delivered.wait(forCount: 2))
        #expect(harness.delivered.snapshot.map(\.id) == first)
    }

    /// While Redis is down the worker serves `/health`: the reader says `connecting`,
    /// logs the failure once, counts no read errors, and resolves when Redis comes.
    @Test func waitsForRedisConnectingAndLogsTheFailureOnce() throws {
        let server = try RedisServer(persistence: .appendOnly)
        let early = try Self.publish(0..<3, to: server.endpoint)
        server.kill()
        let harness = Harness(server.endpoint)
        let reader = harness.reader
        reader.start()
        #expect(harness.logs.wait { $0.contains { $0.message.contains("cannot reach Redis") } })
        Thread.sleep(forTimeInterval: 0.4)  // A window for several retries, not a synchronisation.
        #expect(reader.state == .connecting)
        #expect(reader.errors == 0)
        #expect(reader.lastProgress == 0, "not a hung reader")
        try server.restart()
        #expect(harness.origins.wait(forCount: 1))
        #expect(harness.origins.snapshot.first?.position == early.last)
        #expect(waitUntil { reader.state == .connected })
        let errors = harness.logs.snapshot.filter { $0.level >= .error }
        #expect(errors.count == 1, "\(errors.map(\.message))")
        #expect(harness.logs.snapshot.contains { $0.level == .notice && $0.message == "reached Redis" })
    }

    /// The first connect waits on the reader's interrupter like every other wait: a stop
    /// while a server accepts but never answers returns at once, not after the timeout.
    @Test func stopDuringTheFirstConnectReturnsPromptly() throws {
        let silent = try SilentListener()
        let harness = Harness(RedisEndpoint(port: silent.port), responseTimeoutMs: 20_000)
        let reader = harness.reader
        reader.start()
        #expect(silent.waitForConnection(timeoutMs: 5_000), "the reader connected and now waits for a reply")
        let (joined, ms) = stopAndJoin(reader)
        #expect(joined)
        #expect(ms < 1_000)
        #expect(reader.state == .stopped)
        #expect(harness.origins.snapshot.isEmpty)
    }

    @Test func stopWhileRedisIsDownReturnsPromptly() throws {
        let server = try RedisServer()
        server.kill()
        let harness = Harness(server.endpoint)
        let reader = harness.reader
        reader.start()
        #expect(harness.logs.wait { $0.contains { $0.message.contains("cannot reach Redis") } })
        Thread.sleep(forTimeInterval: 0.6)  // Into a longer back-off pause.
        let (joined, ms) = stopAndJoin(reader)
        #expect(joined)
        #expect(ms < 500)
        #expect(harness.origins.snapshot.isEmpty)
    }
}
