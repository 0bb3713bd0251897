import Events
import Glibc
import Testing
import TestSupport

extension EndToEnd {
    /// The held-out run of issue 16: the firehose trimmed (`XTRIM … MAXLEN 0`) while the
    /// workers lag behind it. Here they lag for certain: they are stopped (SIGSTOP) while
    /// the events are published and the firehose is trimmed.
    @Suite("Firehose trimmed under lagging workers")
    struct TrimRecoveryTests {
        static func jobID(_ text: String) -> String {
            guard let start = text.range(of: "\"job_id\":\""), let end = text[start.upperBound...].firstIndex(of: "\"") else { return "" }
            return String(text[start.upperBound..<end])
        }

        @Test("clients receive, in order and once, the events trimmed before their worker read them, from the channel streams")
        func trimmedEventsAreRecovered() async throws {
            // A heartbeat timeout far beyond the pause: the stopped workers are not replaced.
            let statsd = try StatsDListener()
            let config: [String: Any] = [
                "workerHeartbeatTimeoutMs": 60_000,
                "statsd": ["host": "127.0.0.1", "port": statsd.port, "flushIntervalMs": 200],
            ]
            try await withService(config: config) { service in
                let workers = try await service.waitUntilReady()
                try await service.waitUntilReading()
                let publisher = try SupersetPublisher(endpoint: service.redis.endpoint)
                let client = try await service.connect(channel: "t")
                let first = try publisher.publish(channel: "t", value: SupersetPublisher.eventJSON(channel: "t", job: "before"))
                #expect(messageID(try await client.nextText()) == first.description)

                for worker in workers { kill(worker, SIGSTOP) }
                // 800 events for the client's channel, 800 for another, interleaved; then
                // the whole firehose goes. The channel streams keep theirs (MAXLEN ~1000).
                let jobs = (0..<800).map { "gap-\($0)" }
                var events: [(channel: String, value: String)] = []
                for job in jobs {
                    events.append(("t", SupersetPublisher.eventJSON(channel: "t", job: job)))
                    events.append(("o", SupersetPublisher.eventJSON(channel: "o", job: job)))
                }
                _ = try publisher.publishPipelined(events)
                #expect(try publisher.trimFirehose(to: 0) ?? 0 >= 1_600)
                for worker in workers { kill(worker, SIGCONT) }
                let after = try publisher.publish(channel: "t", value: SupersetPublisher.eventJSON(channel: "t", job: "after"))

                var received: [String] = []
                var ids: [StreamID] = []
                while received.last != "after" {
                    let text = try await client.nextText(timeout: .seconds(20))
                    received.append(Self.jobID(text))
                    ids.append(try #require(StreamID(redis: messageID(text))))
                }
                #expect(received == jobs + ["after"], "every trimmed event of the channel, once, in order, then the live one")
                #expect(ids == ids.sorted() && Set(ids).count == ids.count && ids.last == after && ids.first! > first,
                        "ids increase, so a reconnect with any of them resumes after it")
                #expect(await client.silence(for: .milliseconds(300)) == nil, "nothing twice")
                #expect(service.stderr.contains("the firehose was trimmed past this reader"), "the gap is logged")
                // Both workers lost the 1,600 entries unread, but for the first few that their
                // blocked XREAD had returned before they stopped; the client's worker recovered
                // those of its 800 it had not read (the other worker has no socket, so it reads no
                // channel stream).
                #expect(await eventually(timeoutMs: 5_000) {
                    statsd.sum("ws_firehose_trimmed") == 2 && (700...800).contains(statsd.sum("ws_events_recovered"))
                        && (3_100...3_200).contains(statsd.sum("ws_firehose_trimmed_entries"))
                }, "trimmed \(statsd.sum("ws_firehose_trimmed")), entries \(statsd.sum("ws_firehose_trimmed_entries")), recovered \(statsd.sum("ws_events_recovered")); \(service.stderr.split(separator: "\n").filter { $0.contains("trimmed") })")
            }
        }
    }
}
