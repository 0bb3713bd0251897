import Events
import Glibc
import Testing
import TestSupport

extension EndToEnd {
    @Suite("Start-up")
    struct StartupTests {
        @Test("READY=1 arrives only once the port accepts and answers /health")
        func readyAfterListening() async throws {
            let port = try FreePort.loopback()
            let answeredAtReady = Box<Bool?>(nil)
            try await withService(port: port, onDatagram: { datagram in
                guard datagram.fields["READY"] == "1", answeredAtReady.value == nil else { return }
                var answered = false
                if case .success = HealthProbe.get(port: port, timeoutMs: 500) { answered = true }
                answeredAtReady.update { $0 = answered }
            }) { service in
                try await service.waitUntilReady()
                #expect(answeredAtReady.value == true)
            }
        }

        @Test("WATCHDOG=1 comes every half WATCHDOG_USEC")
        func watchdogCadence() async throws {
            try await withService { service in
                try await service.waitUntilReady()
                let start = nowMs()
                #expect(await eventually(timeoutMs: 6_000) { service.notify.watchdogTimes(from: start).count >= 7 })
                let times = service.notify.watchdogTimes(from: start)
                let gaps = zip(times, times.dropFirst()).map { $1 - $0 }
                let expected = Int64(ServiceProcess.watchdogUsec / 2_000)
                #expect(gaps.allSatisfy { abs($0 - expected) <= 250 }, "gaps: \(gaps)")
            }
        }

        @Test("STATUS= is one parsable line: workers, connections, channels, events/s, Redis state")
        func statusLine() async throws {
            try await withService { service in
                try await service.waitUntilReady()
                try await service.waitUntilReading()
                let a = try await service.connect(channel: "status-a")
                let b = try await service.connect(channel: "status-b")
                let c = try await service.connect(channel: "status-b")
                let publisher = try SupersetPublisher(endpoint: service.redis.endpoint)
                for _ in 0..<20 { try publisher.publish(channel: "status-a") }
                let pattern = /(\d+) workers?, (\d+) connections?, (\d+) channels?, (\d+) events\/s, redis (\w+)/
                let datagram = await service.notify.first(timeoutMs: 8_000) { datagram in
                    guard let status = datagram.fields["STATUS"], let match = try? pattern.wholeMatch(in: status) else { return false }
                    return match.output.2 == "3" && Int(match.output.4)! > 0
                }
                let status = try #require(datagram?.fields["STATUS"], "\(service.notify.datagrams.compactMap { $0.fields["STATUS"] })")
                let match = try #require(try pattern.wholeMatch(in: status))
                #expect(match.output.1 == "2")
                #expect(["2", "3"].contains(match.output.3), "2 channels, counted once per worker holding them: \(status)")
                #expect(match.output.5 == "connected")
                #expect((1...20).contains(Int(match.output.4)!), "20 events in a few seconds: \(status)")
                _ = (a, b, c)
            }
        }

        @Test("with 2 workers, both get connections")
        func spreadOverWorkers() async throws {
            try await withService { service in
                let workers = try await service.waitUntilReady()
                let answering = HealthProbe.answeringPIDs(port: service.port, count: 200, candidates: service.workers)
                #expect(answering == workers)
            }
        }

        @Test("a port already taken stops the service with a non-zero status and the reason, not a respawn loop")
        func portTaken() async throws {
            let port = try FreePort.loopback()
            let occupant = try HealthProbe.occupy(port: port)
            defer { close(occupant) }
            try await withService(port: port) { service in
                let status = await service.waitForExit(timeoutMs: 5_000)
                #expect(status != nil && status != 0)
                #expect(service.stderr.contains("Address already in use"), "\(service.stderr)")
                #expect(!service.notify.datagrams.contains { $0.fields["READY"] == "1" })
            }
        }

        @Test("a browser-shaped client receives events published the way Superset publishes them")
        func deliversThroughTheSupervisor() async throws {
            try await withService { service in
                try await service.waitUntilReady()
                try await service.waitUntilReading()
                let client = try await service.connect(channel: "e2e")
                let publisher = try SupersetPublisher(endpoint: service.redis.endpoint)
                let value = SupersetPublisher.eventJSON(channel: "e2e", job: "c9b99965-8f1e-4ce5-aa43-d6fc94d6a510")
                let id = try publisher.publish(channel: "e2e", value: value)
                let expected = "{\"id\":\"\(id)\",\"channel_id\":\"e2e\",\"job_id\":\"c9b99965-8f1e-4ce5-aa43-d6fc94d6a510\","
                    + "\"user_id\":\"1\",\"status\":\"done\",\"errors\":[],\"result_url\":\"/api/v1/chart/data/qc-c9b999658f1e4ce5aa43d6fc94d6a510\"}"
                #expect(try await client.nextText() == expected)
            }
        }
    }
}
