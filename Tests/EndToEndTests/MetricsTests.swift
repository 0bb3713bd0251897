import Foundation
import Glibc
import Testing
import TestSupport

extension EndToEnd {
    @Suite("Metrics and status")
    struct MetricsTests {
        func status(_ service: ServiceProcess) throws -> [String: Any] {
            let process = Process()
            process.executableURL = ServiceProcess.binary
            process.arguments = ["status", "--json", "--config", service.configPath]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try SignalMask.runWithDefaultMask { try process.run() }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw TestFailure("status exited \(process.terminationStatus)") }
            return try JSONSerialization.jsonObject(with: data) as! [String: Any]
        }

        @Test("StatsD sums equal what clients did, with tags; a killed worker's counts survive; status agrees")
        func statsdAndStatus() async throws {
            let statsd = try StatsDListener()
            let config: [String: Any] = [
                "statsd": ["host": "127.0.0.1", "port": statsd.port, "flushIntervalMs": 200, "globalTags": ["env:test", "service:ws"]],
            ]
            try await withService(config: config) { service in
                try await service.waitUntilReady()
                try await service.waitUntilReading()
                let channels = ["m1", "m2", "m3"]
                var clients: [String: [WebSocketTestClient]] = [:]
                for channel in channels {
                    clients[channel] = [try await service.connect(channel: channel), try await service.connect(channel: channel)]
                }
                for _ in 0..<2 {
                    let refused = try await WebSocketTestClient.connect(port: service.port, cookie: "async-token=not-a-jwt")
                    #expect(refused.status == 401)
                }
                let publisher = try SupersetPublisher(endpoint: service.redis.endpoint)
                for channel in channels {
                    for _ in 0..<5 { try publisher.publish(channel: channel) }
                }
                for tabs in clients.values {
                    for tab in tabs {
                        for _ in 0..<5 { _ = try await tab.nextText() }
                    }
                }
                // 3 channels × 5 events × 2 tabs delivered; each of 2 workers read 15.
                #expect(await eventually(timeoutMs: 5_000) {
                    statsd.sum("ws_events_delivered") == 30 && statsd.sum("ws_connected_client") == 6
                        && statsd.sum("ws_upgrade_rejected") == 2 && statsd.sum("ws_events_read") == 30
                        && statsd.gauge("ws_connections") == 6
                }, "\(statsd.rawLines.suffix(20))")
                #expect(statsd.lines.allSatisfy { $0.tags == "env:test,service:ws" }, "\(statsd.rawLines.prefix(5))")
                #expect(statsd.lines.contains { $0.name == "ws_delivery_latency" && $0.type == "ms" })

                let snapshot = try status(service)
                let totals = try #require(snapshot["totals"] as? [String: Any])
                #expect(totals["connections"] as? Int == 6)
                #expect((snapshot["workers"] as? [Any])?.count == 2)
                #expect((totals["counters"] as? [String: Any])?["ws_events_delivered"] as? Int == 30)

                // SIGKILL a worker that serves clients: what it counted stays counted, once.
                let workers = service.workers
                let victim = try #require(workers.first { pid in
                    clients.values.flatMap { $0 }.contains { $0.servedBy(among: [pid], port: service.port) }
                })
                kill(victim, SIGKILL)
                #expect(await eventually(timeoutMs: 5_000) { statsd.sum("worker_restarts") == 1 })
                #expect(await eventually(timeoutMs: 3_000) { service.workers.count == 2 && !service.workers.contains(victim) })
                let flushesAfter = statsd.rawLines.count
                #expect(await eventually(timeoutMs: 3_000) { statsd.rawLines.count > flushesAfter + 4 })
                #expect(statsd.sum("ws_events_delivered") == 30, "nothing lost, nothing counted twice")
                #expect(statsd.sum("ws_connected_client") == 6)
                #expect(statsd.sum("ws_events_read") == 30)
            }
            await statsd.stop()
        }

        @Test("status says clearly when no service runs")
        func statusWithoutService() throws {
            let process = Process()
            process.executableURL = ServiceProcess.binary
            process.arguments = ["status"]
            var environment = ProcessInfo.processInfo.environment
            environment["CONTROL_SOCKET"] = NSTemporaryDirectory() + "nothing-\(UUID().uuidString.prefix(6)).sock"
            environment["JWT_SECRET"] = TestTokens.secret
            process.environment = environment
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try SignalMask.runWithDefaultMask { try process.run() }
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 1)
            #expect(message.contains("no running superset-websocket service"), "\(message)")
        }
    }
}
