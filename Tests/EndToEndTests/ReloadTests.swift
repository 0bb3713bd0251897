import Foundation
import Glibc
import Testing
import TestSupport

extension EndToEnd {
    @Suite("Reload and stop")
    struct ReloadTests {
        @Test("SIGHUP under a continuous connect loop: no failed connection, new workers, RELOADING=1 then READY=1")
        func reloadUnderLoad() async throws {
            try await withService { service in
                let old = try await service.waitUntilReady()
                let loop = ConnectLoop(port: service.port, supervisor: service.pid)
                #expect(await eventually(timeoutMs: 10_000) { loop.tally.total >= 20 }, "the loop is running before the reload")

                let hupAt = nowMs()
                service.signal(SIGHUP)
                let reloading = try #require(await service.notify.first("RELOADING", value: "1", since: hupAt, timeoutMs: 2_000))
                let monotonicUsec = try #require(reloading.fields["MONOTONIC_USEC"].flatMap { Int64($0) })
                #expect(abs(monotonicUsec / 1_000 - reloading.at) < 1_000, "MONOTONIC_USEC is CLOCK_MONOTONIC")
                #expect(await service.notify.first("READY", value: "1", since: reloading.at, timeoutMs: 10_000) != nil)

                let new = await eventually(timeoutMs: 8_000) { () -> Set<Int32>? in
                    let workers = service.workers
                    return workers.count == 2 && workers.isDisjoint(with: old) ? workers : nil
                }
                let newWorkers = try #require(new, "stderr:\n\(service.stderr)")
                #expect(await eventually(timeoutMs: 5_000) { Set(loop.tally.answers.keys).isSuperset(of: newWorkers) })
                let tally = await loop.stop()
                #expect(tally.failures.isEmpty, "\(tally.failures.count) failed of \(tally.total + tally.failures.count): \(tally.failures.prefix(5))")
                #expect(Set(tally.answers.keys).isSuperset(of: old.union(newWorkers)))
                for pid in old {
                    #expect(service.stderr.contains("generation 1 (pid \(pid)) exited with status 0"), "old workers drained and exited")
                }
            }
        }

        @Test("SIGHUP with a broken config keeps the old workers serving and says why in STATUS=")
        func brokenConfig() async throws {
            try await withService { service in
                let old = try await service.waitUntilReady()
                try service.writeRawConfig("{ this is not JSON")
                let hupAt = nowMs()
                service.signal(SIGHUP)
                let reloading = try #require(await service.notify.first("RELOADING", value: "1", since: hupAt, timeoutMs: 2_000))
                let ready = try #require(await service.notify.first("READY", value: "1", since: reloading.at, timeoutMs: 3_000))
                #expect(ready.fields["STATUS"]?.contains("reload failed") == true, "\(ready.text)")
                #expect(service.workers == old)
                #expect(HealthProbe.answeringPIDs(port: service.port, count: 50, candidates: service.workers) == old)
                #expect(service.isRunning)
            }
        }

        @Test("SIGHUP with a config that names a bad key keeps the old workers")
        func invalidKeyConfig() async throws {
            try await withService { service in
                let old = try await service.waitUntilReady()
                try service.updateConfig(["jwtSecret": "too-short"])
                let hupAt = nowMs()
                service.signal(SIGHUP)
                let ready = try #require(await service.notify.first("READY", value: "1", since: hupAt, timeoutMs: 3_000))
                #expect(ready.fields["STATUS"]?.contains("jwtSecret") == true, "\(ready.text)")
                #expect(service.workers == old)
            }
        }

        @Test("the reload command (the unit's ExecReload=) signals $MAINPID, else the status socket's supervisor: new workers")
        func reloadCommand() async throws {
            try await withService { service in
                var workers = try await service.waitUntilReady()
                for environment in [["MAINPID": String(service.pid)], [:]] {
                    let before = nowMs()
                    let result = try runBinary(["reload", "--config", service.configPath], environment: environment)
                    #expect(result.status == 0, "\(environment): \(result.stderr)")
                    #expect(await service.notify.first("READY", value: "1", since: before, timeoutMs: 10_000) != nil)
                    let old = workers
                    let new = await eventually(timeoutMs: 8_000) { () -> Set<Int32>? in
                        let current = service.workers
                        return current.count == 2 && current.isDisjoint(with: old) ? current : nil
                    }
                    workers = try #require(new, "\(environment): a new generation; stderr:\n\(service.stderr)")
                }
            }
        }

        @Test("the reload command refuses a bad config with 78, naming the key, and signals nothing")
        func reloadCommandChecksFirst() async throws {
            try await withService { service in
                let old = try await service.waitUntilReady()
                try service.updateConfig(["jwtSecret": "too-short"])
                let before = nowMs()
                let result = try runBinary(["reload", "--config", service.configPath], environment: ["MAINPID": String(service.pid)])
                #expect(result.status == 78)
                #expect(result.stderr.contains("jwtSecret"), "\(result.stderr)")
                // An absence: the supervisor would answer a SIGHUP within milliseconds.
                #expect(await service.notify.first("RELOADING", value: "1", since: before, timeoutMs: 1_000) == nil)
                #expect(service.workers == old)
            }
        }

        @Test("the reload command never signals pid 0 or 1")
        func reloadCommandRefusesGroupPIDs() throws {
            let path = NSTemporaryDirectory() + "reload-\(UUID().uuidString.prefix(8)).json"
            try Data("{\"jwtSecret\": \"\(TestTokens.secret)\"}".utf8).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            for pid in ["0", "1", "-1"] {
                let result = try runBinary(["reload", "--config", path, "--pid=\(pid)"])
                #expect(result.status == 1, "\(pid)")
                #expect(result.stderr.contains("refusing to signal"), "\(pid): \(result.stderr)")
            }
        }

        @Test("a reload can change the number of workers")
        func reloadChangesWorkerCount() async throws {
            try await withService(config: ["workers": 1]) { service in
                let old = try await service.waitUntilReady(workers: 1)
                try service.updateConfig(["workers": 3])
                let hupAt = nowMs()
                service.signal(SIGHUP)
                #expect(await service.notify.first("READY", value: "1", since: hupAt, timeoutMs: 10_000) != nil)
                #expect(await eventually(timeoutMs: 5_000) {
                    let workers = service.workers
                    return workers.count == 3 && workers.isDisjoint(with: old)
                })
            }
        }

        @Test("SIGTERM: clients get 1001, STOPPING=1 is sent, exit 0 within shutdownTimeoutMs + 1 s")
        func sigterm() async throws {
            try await withService { service in
                let workers = try await service.waitUntilReady()
                let clients = [
                    try await service.connect(channel: "t1"), try await service.connect(channel: "t2"),
                    try await service.connect(channel: "t3"),
                ]
                let termAt = nowMs()
                service.signal(SIGTERM)
                for client in clients {
                    #expect(try await client.closeCode(timeout: .seconds(3)) == 1001)
                }
                #expect(await service.notify.first("STOPPING", value: "1", since: termAt, timeoutMs: 1_000) != nil)
                let shutdownTimeoutMs = Int64(service.config["shutdownTimeoutMs"] as! Int)
                #expect(await service.waitForExit(timeoutMs: shutdownTimeoutMs + 1_000) == 0)
                #expect(workers.allSatisfy { !ProcessTable.isAlive($0) })
            }
        }
    }
}
