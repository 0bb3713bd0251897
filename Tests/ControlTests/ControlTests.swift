import Config
import Foundation
import Logging
import ServiceStatus
import Testing

@testable import Control

@Suite struct ControlSocketPathTests {
    @Test func configuredPathWins() {
        var config = ServiceConfig()
        config.controlSocket = "/tmp/x.sock"
        #expect(ControlSocketPath.forServer(config, environment: ["RUNTIME_DIRECTORY": "/run/y"]) == "/tmp/x.sock")
        #expect(ControlSocketPath.candidatesForClient(config, environment: [:]) == ["/tmp/x.sock"])
    }

    @Test func systemdRuntimeDirectoryIsUsedAndTriedByStatus() {
        let config = ServiceConfig()
        #expect(ControlSocketPath.forServer(config, environment: ["RUNTIME_DIRECTORY": "/run/superset-websocket"]) == ControlSocketPath.systemdRuntimePath)
        #expect(ControlSocketPath.candidatesForClient(config, environment: [:]).contains(ControlSocketPath.systemdRuntimePath))
    }

    @Test func serverPathIsAmongTheClientCandidates() {
        var config = ServiceConfig()
        config.port = 18123
        let server = ControlSocketPath.forServer(config, environment: [:])
        #expect(server.hasSuffix("superset-websocket-18123.sock"))
        #expect(ControlSocketPath.candidatesForClient(config, environment: [:]).contains(server))
    }
}

@Suite struct ControlServerTests {
    func path() -> String { NSTemporaryDirectory() + "control-test-\(UUID().uuidString.prefix(8)).sock" }

    @Test func everyClientGetsTheSnapshot() throws {
        let socketPath = path()
        let server = try ControlServer(path: socketPath, logger: Logger(label: "test")) { Array("{\"ok\":true}".utf8) }
        server.start()
        defer { server.stop() }
        for _ in 0..<3 {
            let got = try ControlClient.fetch(candidates: ["/nonexistent.sock", socketPath])
            #expect(got == Array("{\"ok\":true}".utf8), "\(String(decoding: got, as: UTF8.self))")
        }
    }

    @Test func aStaleSocketFileIsReplaced() throws {
        let socketPath = path()
        let first = try ControlServer(path: socketPath, logger: Logger(label: "test")) { [1] }
        first.start()
        // A second service on the same path is refused while the first answers.
        #expect(throws: (any Error).self) { try ControlServer(path: socketPath, logger: Logger(label: "test")) { [2] } }
        first.stop()
        FileManager.default.createFile(atPath: socketPath, contents: Data())  // left behind by a crash
        let second = try ControlServer(path: socketPath, logger: Logger(label: "test")) { [2] }
        second.start()
        defer { second.stop() }
        #expect(try ControlClient.fetch(candidates: [socketPath]) == [2])
    }

    @Test func noServiceIsAClearError() {
        #expect(throws: ControlClient.Failure.self) { try ControlClient.fetch(candidates: [path()]) }
        let message = "\(ControlClient.Failure.notRunning(tried: ["/a.sock"]))"
        #expect(message.contains("no running superset-websocket service"))
    }
}

@Suite struct StatusTableTests {
    @Test func rendersWorkersAndTotals() throws {
        let json = """
            {"state":"running","supervisorPID":10,"generation":2,"statusLine":"2 workers, 3 connections",
             "workers":[{"pid":11,"generation":2,"index":0,"phase":"ready","startedAtEpochMs":0,"lastHeartbeatAgeMs":120,
                         "connections":2,"channels":1,"redisState":"connected","firehoseLastID":"5-0","restarts":1},
                        {"pid":12,"generation":2,"index":1,"phase":"ready","startedAtEpochMs":0,"lastHeartbeatAgeMs":80,
                         "connections":1,"channels":1,"redisState":"connected","firehoseLastID":"5-0","restarts":0}],
             "totals":{"workers":2,"connections":3,"channels":2,"restarts":1,"counters":{"ws_events_read":42}}}
            """
        let snapshot = try JSONDecoder().decode(SupervisorSnapshot.self, from: Data(json.utf8))
        let table = StatusTable.render(snapshot, nowEpochMs: 90_000)
        #expect(table.contains("supervisor pid 10, generation 2"))
        #expect(table.contains("11") && table.contains("12"))
        #expect(table.contains("1m30s"))
        #expect(table.contains("ws_events_read=42"))
        #expect(table.split(separator: "\n").contains { $0.hasPrefix("total") && $0.contains("3") })
    }
}
