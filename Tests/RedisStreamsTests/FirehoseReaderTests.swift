import Events
import Logging
import RedisStreams
import TestSupport
import Testing

@Suite("FirehoseReader against a real redis-server")
struct FirehoseReaderTests {
    /// A reader plus everything it reported.
    final class Harness: Sendable {
        let delivered = Recorder<StreamEntry>()
        let events = Recorder<FirehoseEvent>()
        let logs = Recorder<LogRecord>()
        let reader: FirehoseReader

        init(_ endpoint: RedisEndpoint, startAfter: StreamID = .zero, count: Int = 7, blockMs: Int = 200) {
            let delivered = self.delivered
            let events = self.events
            reader = FirehoseReader(
                endpoint: endpoint, stream: "full", startAfter: startAfter, count: count, blockMs: blockMs,
                responseTimeoutMs: 2_000, logger: CapturingLogHandler.logger(logs),
                observer: { events.append($0) },
                deliver: { delivered.append(contentsOf: $0) }
            )
        }

        var states: [FirehoseState] {
            events.snapshot.compactMap { if case .stateChanged(let state) = $0 { state } else { nil } }
        }

        func waitForState(_ state: FirehoseState, occurrence: Int = 1, timeoutMs: Int = 10_000) -> Bool {
            events.wait(timeoutMs: timeoutMs) { events in
                events.filter { $0 == .stateChanged(state) }.count >= occurrence
            }
        }

        deinit {
            reader.stop()
            reader.join(timeoutMs: 5_000)
        }
    }

    private static func fields(_ n: Int) -> [StreamField] {
        [StreamField(name: "data", value: #"{"channel_id": "c\#(n % 3)", "job_id": "j\#(n)"}"#)]
    }

    private static func publish(_ range: Range<Int>, to endpoint: RedisEndpoint) throws -> [StreamID] {
        let publisher = try connected(endpoint)
        defer { publisher.close() }
        return try publisher.xaddPipelined(stream: "full", entries: range.map(fields))
    }

    @Test func deliversEveryEntryExactlyOnceInOrderAcrossAKillAndRestart() throws {
        let server = try RedisServer(persistence: .appendOnly)
        let before = try Self.publish(0..<50, to: server.endpoint)
        let harness = Harness(server.endpoint)
        let reader = harness.reader
        reader.start()
        #expect(harness.delivered.wait(forCount: 50))
        #expect(harness.waitForState(.connected))

        server.kill()
        #expect(harness.waitForState(.failing))
        // Stay down for several retries: the failure must be logged once, not per retry.
        #expect(waitUntil { reader.errors >= 4 })
        try server.restart()
        // Published while the reader is still backing off (it has not reconnected yet).
        let during = try Self.publish(50..<70, to: server.endpoint)
        #expect(harness.waitForState(.connected, occurrence: 2))
        let after = try Self.publish(70..<100, to: server.endpoint)
        #expect(harness.delivered.wait(forCount: 100))

        reader.stop()
        #expect(reader.join(timeoutMs: 5_000))

        let ids = harness.delivered.snapshot.map(\.id)
        #expect(ids == before + during + after)
        #expect(harness.delivered.snapshot.map(\.fields) == (0..<100).map(Self.fields))
        #expect(harness.states == [.connected, .failing, .connected, .stopped])
        #expect(reader.state == .stopped)
        #expect(reader.eventsRead == 100)
        #expect(reader.lastDeliveredID == after.last)
        #expect(reader.errors >= 4)
        #expect(reader.streamResets == 0)
        let errorLines = harness.logs.snapshot.filter { $0.level >= .error }
        #expect(errorLines.count == 1, "\(errorLines.map(\.message))")
    }

    @Test func lastProgressAdvancesOnEveryXreadEvenWithoutEntries() throws {
        let server = try RedisServer()
        let harness = Harness(server.endpoint, blockMs: 50)
        let reader = harness.reader
        #expect(reader.lastProgress == 0)
        reader.start()
        #expect(waitUntil { reader.lastProgress > 0 })
        let first = reader.lastProgress
        #expect(waitUntil { reader.lastProgress > first })
        #expect(reader.eventsRead == 0)
        #expect(reader.state == .connected)
    }

    @Test func stopReturnsPromptlyWhileBlockedInXread() throws {
        let server = try RedisServer()
        let harness = Harness(server.endpoint, blockMs: 30_000)
        let reader = harness.reader
        reader.start()
        #expect(harness.waitForState(.connected))
        #expect(try waitUntil { try someClientIsRunning("xread", on: server.endpoint) })

        let (joined, ms) = stopAndJoin(reader)
        #expect(joined)
        #expect(ms < 1_000)
        #expect(reader.state == .stopped)
        #expect(reader.errors == 0)
    }

    @Test func stopReturnsPromptlyWhileBackingOff() throws {
        let server = try RedisServer()
        let harness = Harness(server.endpoint)
        let reader = harness.reader
        reader.start()
        #expect(harness.waitForState(.connected))
        server.kill()
        // 50+100+200+400+800 ms of back-off so far; the next pause is up to 1.6 s.
        #expect(waitUntil { reader.errors >= 6 })

        let (joined, ms) = stopAndJoin(reader)
        #expect(joined)
        #expect(ms < 500)
        #expect(reader.state == .stopped)
    }

    @Test func startsWhileRedisIsDownAndCatchesUpWhenItComes() throws {
        let server = try RedisServer(persistence: .appendOnly)
        let early = try Self.publish(0..<5, to: server.endpoint)
        server.kill()
        let harness = Harness(server.endpoint)
        harness.reader.start()
        #expect(harness.waitForState(.failing))
        try server.restart()
        #expect(harness.waitForState(.connected))
        let late = try Self.publish(5..<10, to: server.endpoint)
        #expect(harness.delivered.wait(forCount: 10))
        #expect(harness.delivered.snapshot.map(\.id) == early + late)
        #expect(harness.states.prefix(2) == [.failing, .connected])
    }

    @Test func resumesFromZeroWhenTheServerComesBackEmpty() throws {
        let server = try RedisServer(persistence: .none)
        // Ids far in the future, so the new server's `*` ids are lower than what we delivered.
        let publisher = try connected(server.endpoint)
        let future = StreamID(milliseconds: 9_999_999_999_999, sequence: 0)
        try publisher.xadd(stream: "full", id: future, fields: Self.fields(0))
        try publisher.xadd(stream: "full", id: future.successor, fields: Self.fields(1))
        publisher.close()

        let harness = Harness(server.endpoint)
        let reader = harness.reader
        reader.start()
        #expect(harness.delivered.wait(forCount: 2))

        server.kill()
        #expect(harness.waitForState(.failing))
        try server.restart()
        #expect(harness.events.wait { $0.contains { if case .streamReset = $0 { true } else { false } } })
        #expect(harness.waitForState(.connected, occurrence: 2))
        let fresh = try Self.publish(2..<5, to: server.endpoint)
        #expect(harness.delivered.wait(forCount: 5))

        #expect(harness.delivered.snapshot.map(\.id) == [future, future.successor] + fresh)
        #expect(harness.events.snapshot.contains(.streamReset(lastDelivered: future.successor, lastGenerated: .zero)))
        #expect(reader.streamResets == 1)
        // The id moves once `deliver` has returned, just after the recorder saw the batch.
        #expect(waitUntil { reader.lastDeliveredID == fresh.last })
        #expect(harness.logs.snapshot.contains { $0.level == .warning && $0.message.contains("0-0") })
    }
}
