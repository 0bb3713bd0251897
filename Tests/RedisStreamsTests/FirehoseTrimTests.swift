import Events
import Foundation
import Logging
import RedisStreams
import TestSupport
import Testing

/// A firehose trimmed past a lagging reader, against a real redis-server: the reader is
/// held inside `deliver` (as a busy event loop holds it) while the stream is trimmed.
@Suite("FirehoseReader under a trim")
struct FirehoseTrimTests {
    final class Harness: Sendable {
        let delivered = Recorder<StreamEntry>()
        let events = Recorder<FirehoseEvent>()
        let batches = Recorder<Int>()
        /// Opened by the test; the reader waits on it in its `gated`th batch.
        let gate = DispatchSemaphore(value: 0)
        let reader: FirehoseReader

        init(_ endpoint: RedisEndpoint, gated: Int, channels: [String]) {
            let (delivered, events, batches, gate) = (delivered, events, batches, gate)
            reader = FirehoseReader(
                endpoint: endpoint, stream: "async-events-full", startAfter: .zero, count: 100, blockMs: 200,
                responseTimeoutMs: 2_000, logger: Logger(label: "trim-test"),
                observer: { events.append($0) },
                gapStreams: { channels.map { "async-events-" + $0 } },
                deliver: { entries in
                    delivered.append(contentsOf: entries)
                    batches.append(entries.count)
                    if batches.snapshot.count == gated { gate.wait() }
                })
        }

        var gaps: [FirehoseGap] {
            events.snapshot.compactMap { if case .trimmed(let gap) = $0 { gap } else { nil } }
        }

        deinit {
            reader.stop()
            gate.signal()
            reader.join(timeoutMs: 5_000)
        }
    }

    static func trim(_ endpoint: RedisEndpoint) throws {
        let connection = try connected(endpoint)
        defer { connection.close() }
        _ = try connection.command(["XTRIM", "async-events-full", "MAXLEN", "0"])
    }

    static func data(_ entries: [StreamEntry]) -> [String] {
        entries.map { String(decoding: $0.fields[0].value, as: UTF8.self) }
    }

    /// Whether a client is blocked (CLIENT LIST flag `b`): the reader waiting in XREAD BLOCK.
    static func someClientIsBlocked(on endpoint: RedisEndpoint) throws -> Bool {
        let observer = try connected(endpoint)
        defer { observer.close() }
        return (try observer.command(["CLIENT", "LIST"]).string ?? "").contains("flags=b ")
    }

    @Test func eventsTrimmedBeforeTheReaderReadThemComeFromItsChannelStreamsAndTheGapIsCounted() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let publisher = try SupersetPublisher(endpoint: server.endpoint)
        let values = (0..<32).map { SupersetPublisher.eventJSON(channel: $0 % 2 == 0 ? "mine" : "other", job: "job-\($0)") }
        let channelOf = { (index: Int) in index % 2 == 0 ? "mine" : "other" }
        _ = try publisher.publishPipelined((0..<5).map { (channelOf($0), values[$0]) })
        let harness = Harness(server.endpoint, gated: 2, channels: ["mine"])
        harness.reader.start()
        #expect(harness.delivered.wait { $0.count == 5 })
        // The reader is caught up, blocked in its next XREAD (so it can count what a trim
        // takes); its next batch holds it.
        #expect(try await eventually(timeoutMs: 10_000) { try Self.someClientIsBlocked(on: server.endpoint) })
        _ = try publisher.publishPipelined([(channelOf(5), values[5])])
        #expect(harness.batches.wait { $0.count == 2 })
        // While it is held: 24 more events, then a trim of the whole firehose, then 2 more.
        _ = try publisher.publishPipelined((6..<30).map { (channelOf($0), values[$0]) })
        try Self.trim(server.endpoint)
        _ = try publisher.publishPipelined((30..<32).map { (channelOf($0), values[$0]) })
        harness.gate.signal()
        #expect(harness.delivered.wait { $0.count == 6 + 12 + 2 })
        #expect(harness.events.wait { events in events.contains { if case .trimmed = $0 { true } else { false } } })

        let delivered = harness.delivered.snapshot
        let recoveredMine = (6..<30).filter { $0 % 2 == 0 }.map { values[$0] }
        #expect(Self.data(delivered) == Array(values[0..<6]) + recoveredMine + Array(values[30..<32]),
                "the gap's events of the named channel, from its stream, in order, between the two sides of the gap")
        #expect(delivered.map(\.id) == delivered.map(\.id).sorted() && Set(delivered.map(\.id)).count == delivered.count)
        let gap = try #require(harness.gaps.first)
        #expect(harness.gaps.count == 1)
        #expect(gap.removedEntries == 24, "30 trimmed, 6 of them read before")
        #expect(gap.recovered == 12 && gap.channelsAsked == 1)
        #expect(harness.reader.trimGaps == 1 && harness.reader.eventsRecovered == 12)
    }

    @Test func theTrimCheckDoesNotFetchTheStreamsHeadOnEveryRead() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let publisher = try SupersetPublisher(endpoint: server.endpoint)
        // A producer's 2 MB entry at the head of the firehose, then 300 ordinary events.
        _ = try publisher.publish(channel: "big", value: SupersetPublisher.eventJSON(channel: "big", job: String(repeating: "x", count: 2_000_000)))
        _ = try publisher.publishPipelined((0..<300).map { ("c", SupersetPublisher.eventJSON(channel: "c", job: "job-\($0)")) })
        let admin = try connected(server.endpoint)
        defer { admin.close() }
        let delivered = Recorder<StreamEntry>()
        let reader = FirehoseReader(
            endpoint: server.endpoint, stream: "async-events-full", startAfter: .zero, count: 10, blockMs: 200,
            logger: Logger(label: "probe-test"), deliver: { delivered.append(contentsOf: $0) })
        reader.start()
        defer { _ = stopAndJoin(reader) }
        #expect(delivered.wait { $0.count == 301 })
        // 31 reads: the first checks with XINFO STREAM (the position, 0-0, is no entry);
        // the others probe the entry they stand on.
        #expect(try admin.calls(of: "xinfo") <= 2, "XINFO STREAM replies carry the 2 MB head")
        #expect(try admin.calls(of: "xrange") >= 30)
        #expect(reader.trimGaps == 0)
    }

    @Test func anEventWhoseFirehoseCopyFollowsTheTrimIsDeliveredOnceFromTheFirehose() throws {
        let server = try RedisServer()
        defer { server.stop() }
        let publisher = try SupersetPublisher(endpoint: server.endpoint)
        _ = try publisher.publish(channel: "mine")
        let harness = Harness(server.endpoint, gated: 1, channels: ["mine"])
        harness.reader.start()
        #expect(harness.batches.wait { $0.count == 1 })
        let connection = try connected(server.endpoint)
        defer { connection.close() }
        // One producer writes its event's channel-stream copy; another's event reaches the
        // firehose; the trim lands; then the first producer's firehose copy.
        let value = SupersetPublisher.eventJSON(channel: "mine", job: "straddling")
        let field = [StreamField(name: "data", value: value)]
        try connection.xadd(stream: "async-events-mine", fields: field)
        _ = try publisher.publishPipelined([("other", SupersetPublisher.eventJSON(channel: "other"))])
        try Self.trim(server.endpoint)
        let firehoseCopy = try connection.xadd(stream: "async-events-full", fields: field)
        harness.gate.signal()
        #expect(harness.delivered.wait { $0.contains { $0.id == firehoseCopy } })
        #expect(harness.events.wait { events in events.contains { if case .trimmed = $0 { true } else { false } } })
        #expect(harness.gaps.count == 1)
        let straddling = harness.delivered.snapshot.filter { Self.data([$0]) == [value] }
        #expect(straddling.map(\.id) == [firehoseCopy], "once, with its firehose id")
        #expect(harness.gaps.first?.recovered == 0)
    }
}
