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
        /// The `job_id` of a message or of a producer's value (`json.dumps` puts a space
        /// after the colon).
        static func jobID(_ text: String) -> String {
            guard let key = text.range(of: "\"job_id\":") else { return "" }
            let rest = text[key.upperBound...].drop { $0 == " " }.dropFirst()
            return String(rest.prefix { $0 != "\"" })
        }

        @Test("40,000 events to one channel, then XTRIM MAXLEN 0 at once: every event its channel stream still holds arrives, in order, once")
        func heldOutTrim() async throws {
            try await withService { service in
                try await service.waitUntilReady()
                try await service.waitUntilReading()
                let publisher = try SupersetPublisher(endpoint: service.redis.endpoint)
                // Tabs on both workers, most likely (the kernel spreads connections).
                var clients: [WebSocketTestClient] = []
                for _ in 0..<4 { clients.append(try await service.connect(channel: "hot")) }
                for chunk in stride(from: 0, to: 40_000, by: 2_000) {
                    _ = try publisher.publishPipelined((chunk..<chunk + 2_000).map { ("hot", SupersetPublisher.eventJSON(channel: "hot", job: "e-\($0)")) })
                }
                try publisher.trimFirehose(to: 0)
                _ = try publisher.publish(channel: "hot", value: SupersetPublisher.eventJSON(channel: "hot", job: "e-40000"))
                // What the channel stream still holds (MAXLEN ~1000): each tab must have it all.
                let held = Set(try publisher.channelEvents(channel: "hot").map { Self.jobID($0) })
                #expect(held.count >= 900)
                for client in clients {
                    var received: [Int] = []
                    while received.last != 40_000 {
                        let text = try await client.nextText(timeout: .seconds(60))
                        received.append(Int(Self.jobID(text).dropFirst(2)) ?? -1)
                    }
                    #expect(received == received.sorted() && Set(received).count == received.count, "in order, once")
                    let got = Set(received)
                    let missing = held.filter { !got.contains(Int($0.dropFirst(2)) ?? -1) }
                    #expect(missing.isEmpty, "\(missing.count) events the channel stream holds never arrived")
                    #expect(await client.silence(for: .milliseconds(200)) == nil)
                }
            }
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
