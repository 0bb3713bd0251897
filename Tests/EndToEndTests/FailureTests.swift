import Events
import Glibc
import Testing
import TestSupport

extension EndToEnd {
    @Suite("Failures")
    struct FailureTests {
        /// A live worker not in `old` that answers requests. (Requests that land on a
        /// stopped worker's listener hang, hence the short timeout.)
        private func servingReplacement(_ service: ServiceProcess, besides old: Set<Int32>) -> Int32? {
            guard let new = service.workers.subtracting(old).first else { return nil }
            return HealthProbe.answeringPIDs(port: service.port, count: 10, candidates: [new], timeoutMs: 300).contains(new) ? new : nil
        }

        @Test("a SIGKILLed worker is replaced and serving within 2 s; its client reconnects with last_id and loses nothing")
        func killedWorker() async throws {
            try await withService { service in
                let workers = try await service.waitUntilReady()
                try await service.waitUntilReading()
                let publisher = try SupersetPublisher(endpoint: service.redis.endpoint)
                let client = try await service.connect(channel: "k")
                let before = try (0..<3).map { _ in try publisher.publish(channel: "k") }
                var seen: [StreamID] = []
                for _ in before { seen.append(StreamID(redis: messageID(try await client.nextText()))!) }
                #expect(seen == before)
                // Kill the worker that serves this client.
                let victim = try #require(workers.first { client.servedBy(among: [$0], port: service.port) })
                kill(victim, SIGKILL)
                try await client.disconnected(timeout: .seconds(5))
                let meanwhile = try (0..<5).map { _ in try publisher.publish(channel: "k") }
                let replacement = await eventually(timeoutMs: 2_000) { servingReplacement(service, besides: workers) }
                #expect(replacement != nil, "stderr:\n\(service.stderr)")
                let again = try await service.connect(channel: "k", lastID: seen.last!.description)
                var replayed: [StreamID] = []
                for _ in meanwhile { replayed.append(StreamID(redis: messageID(try await again.nextText()))!) }
                #expect(replayed == meanwhile)
                #expect(await again.silence(for: .milliseconds(300)) == nil, "nothing twice")
            }
        }

        @Test("a SIGSTOPped worker is replaced within the heartbeat timeout + 2 s, and the watchdog never pauses")
        func stoppedWorker() async throws {
            let heartbeatTimeoutMs: Int64 = 1_500
            try await withService(config: ["workerHeartbeatTimeoutMs": heartbeatTimeoutMs]) { service in
                let workers = try await service.waitUntilReady()
                let victim = try #require(workers.first)
                let stoppedAt = nowMs()
                kill(victim, SIGSTOP)
                let replacement = await eventually(timeoutMs: heartbeatTimeoutMs + 2_000) {
                    servingReplacement(service, besides: workers)
                }
                #expect(replacement != nil, "stderr:\n\(service.stderr)")
                #expect(await eventually(timeoutMs: 4_000) { !ProcessTable.isAlive(victim) }, "the hung worker is killed")
                let end = nowMs()
                let times = service.notify.watchdogTimes(from: stoppedAt - 600, to: end)
                let gaps = zip(times, times.dropFirst()).map { $1 - $0 }
                #expect(!times.isEmpty && times.first! <= stoppedAt && times.last! >= end - 800, "\(times)")
                #expect(gaps.allSatisfy { $0 <= 800 }, "watchdog gaps: \(gaps)")
            }
        }

        @Test("a SIGSTOPped supervisor stops the watchdog pings, which resume on SIGCONT")
        func stoppedSupervisor() async throws {
            try await withService { service in
                let workers = try await service.waitUntilReady()
                let readyAt = nowMs()
                #expect(await eventually(timeoutMs: 2_000) { service.notify.watchdogTimes(from: readyAt).count >= 2 })
                let stoppedAt = nowMs()
                service.signal(SIGSTOP)
                let ping = await service.notify.first("WATCHDOG", value: "1", since: stoppedAt + 50, timeoutMs: 1_500)
                #expect(ping == nil, "systemd would see no ping for longer than WATCHDOG_USEC")
                let continuedAt = nowMs()
                service.signal(SIGCONT)
                #expect(await service.notify.first("WATCHDOG", value: "1", since: continuedAt, timeoutMs: 1_000) != nil)
                #expect(await eventually(timeoutMs: 2_000) { service.notify.watchdogTimes(from: continuedAt).count >= 3 })
                #expect(service.workers == workers, "the pause was the supervisor's: nobody is replaced")
            }
        }

        @Test("workers exit within 2 s when the supervisor is SIGKILLed")
        func supervisorKilled() async throws {
            try await withService { service in
                let workers = try await service.waitUntilReady()
                service.signal(SIGKILL)
                #expect(await eventually(timeoutMs: 2_000) { workers.allSatisfy { !ProcessTable.isAlive($0) } })
            }
        }
    }
}

/// The `id` of a message a client received.
func messageID(_ text: String) -> String {
    guard let start = text.range(of: "{\"id\":\""), let end = text[start.upperBound...].firstIndex(of: "\"") else { return "" }
    return String(text[start.upperBound..<end])
}

extension WebSocketTestClient {
    /// Whether one of `candidates` owns the server side of this client's connection.
    func servedBy(among candidates: Set<Int32>, port: Int) -> Bool {
        guard let local = localPort else { return false }
        return SocketOwner.owner(serverPort: port, clientPort: local, among: candidates) != nil
    }
}
