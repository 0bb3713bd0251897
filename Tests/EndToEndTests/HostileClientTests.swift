import Events
import Foundation
import Testing
import TestSupport

extension EndToEnd {
    /// Clients that break RFC 6455 or probe the HTTP side, against the real binary: each
    /// is answered as the RFC and upstream say, and the workers stay up.
    @Suite("Hostile clients")
    struct HostileClientTests {
        @Test("frames that break RFC 6455 are closed with 1002; a valid close is echoed")
        func protocolViolationsClose1002() async throws {
            try await withService { service in
                let workers = try await service.waitUntilReady()
                var violations: [(String, [UInt8])] = [
                    ("RSV1 on a text frame", WebSocketFrameEncoder.encode(opcode: 0x1, payload: Array("x".utf8), masking: .random, reservedBits: 0b100)),
                    ("reserved opcode 0x3", WebSocketFrameEncoder.encode(opcode: 0x3, payload: [], masking: .random)),
                    ("reserved opcode 0xB", WebSocketFrameEncoder.encode(opcode: 0xB, payload: [], masking: .random)),
                    ("continuation with nothing to continue", WebSocketFrameEncoder.encode(opcode: 0x0, payload: [1], masking: .random)),
                    ("a 1-byte close body", WebSocketFrameEncoder.encode(opcode: 0x8, payload: [3], masking: .random)),
                    ("close reason not UTF-8", WebSocketFrameEncoder.encode(opcode: 0x8, payload: [0x03, 0xE8, 0xFF], masking: .random)),
                ]
                for code: UInt16 in [0, 1005, 1006, 65535] {
                    violations.append(("close code \(code)", WebSocketFrameEncoder.encode(opcode: 0x8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)], masking: .random)))
                }
                for (what, bytes) in violations {
                    let client = try await service.connect(channel: "hostile")
                    #expect(client.isUpgraded)
                    try await client.sendRaw(bytes)
                    #expect(try await client.closeCode(timeout: .seconds(5)) == 1002, "\(what)")
                    try await client.disconnected(timeout: .seconds(5))
                }
                let polite = try await service.connect(channel: "hostile")
                try await polite.sendClose(code: 4000)
                #expect(try await polite.closeCode(timeout: .seconds(5)) == 4000)
                #expect(service.workers == workers, "no worker was replaced")
            }
        }

        @Test("plain requests route on the path alone: /health?probe=1 is 200 OK, as upstream")
        func healthWithAQueryString() async throws {
            try await withService { service in
                try await service.waitUntilReady()
                for (target, expected) in [("/health?probe=1", "HTTP/1.1 200 OK"), ("/health/", "HTTP/1.1 404 Not Found")] {
                    let answer = try await WebSocketTestClient.connect(
                        port: service.port, rawRequest: Array("GET \(target) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
                    #expect(answer.status == Int(expected.split(separator: " ")[1]), "\(target)")
                    await answer.abort()
                }
            }
        }

        @Test("a client's CR, LF or NUL cannot forge a log line")
        func logInjection() async throws {
            try await withService { service in
                try await service.waitUntilReady()
                let cookie = TestTokens.cookie(TestTokens.superset(channel: "log-injection"))
                for query in ["last_id=1-0%0d%0aX:y", "last_id=1-0%00%0aX:z"] {
                    let client = try await WebSocketTestClient.connect(port: service.port, path: "/?\(query)", cookie: cookie)
                    #expect(client.isUpgraded)
                    await client.abort()
                }
                let logged = await eventually(timeoutMs: 5_000) { service.stderr.contains("X:z") }
                #expect(logged, "the malformed last_id was logged")
                let lines = service.stderr.split(separator: "\n")
                #expect(!lines.contains { $0.hasPrefix("X:") }, "a forged line")
                #expect(lines.contains { $0.contains("1-0\\r\\nX:y") })
                #expect(lines.contains { $0.contains("1-0\\u{0}\\nX:z") })
            }
        }

        /// A client that sends and never reads (pipelined requests, a ping flood) costs a
        /// bounded amount of memory, and other sockets keep receiving their events.
        @Test("clients that never read cannot grow a worker's memory")
        func clientsThatNeverRead() async throws {
            // A 64 KiB cap: what a connection may queue before the worker stops reading it.
            try await withService(config: ["maxSocketBufferBytes": 65_536]) { service in
                let workers = try await service.waitUntilReady()
                try await service.waitUntilReading()
                let bystander = try await service.connect(channel: "bystander")
                let before = ResidentMemory.bytes(of: workers)

                // 600,000 pipelined GET /health, never reading a response.
                let request = Array("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
                let total = 600_000 * request.count
                let pipelined = try RawFlood(port: service.port).run(unit: request, totalBytes: total, seconds: 5)
                #expect(pipelined.sent < total, "the server stopped reading: \(pipelined.sent) of \(total) bytes went out")
                // A million pings after the upgrade, never reading a pong.
                let cookie = TestTokens.cookie(TestTokens.superset(channel: "flood"))
                let upgrade = Array(("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nCookie: \(cookie)\r\n\r\n").utf8)
                let ping: [UInt8] = [0x89, 0x80, 0, 0, 0, 0]
                let pings = try RawFlood(port: service.port).run(
                    prefix: upgrade, unit: ping, totalBytes: upgrade.count + 1_000_000 * ping.count, seconds: 5)
                #expect(pings.closedByPeer, "a ping flood is closed (1008), \(pings.sent) bytes went out")

                // Without read backpressure the workers grew by 13–26 MiB here (debug build),
                // and without bound in a longer run.
                #expect(await bystander.silence(for: .seconds(1)) == nil)
                let grown = ResidentMemory.bytes(of: workers) - before
                #expect(grown < 8 << 20, "workers grew by \(grown >> 10) KiB")
                let publisher = try SupersetPublisher(endpoint: service.redis.endpoint)
                let id = try publisher.publish(channel: "bystander")
                let received = try? await bystander.nextText()
                #expect(received?.contains("\"id\":\"\(id)\"") == true, "log:\n\(service.stderr)")
                #expect(service.workers == workers, "no worker was replaced; log:\n\(service.stderr)")
            }
        }

        @Test("a last_id newer than anything in the firehose still gets every live event")
        func farFutureLastID() async throws {
            try await withService { service in
                try await service.waitUntilReady()
                try await service.waitUntilReading()
                let publisher = try SupersetPublisher(endpoint: service.redis.endpoint)
                _ = try publisher.publish(channel: "future")
                let client = try await service.connect(channel: "future", lastID: "999999999999999-0")
                #expect(client.isUpgraded)
                let ids = try (0..<3).map { _ in try publisher.publish(channel: "future") }
                for id in ids {
                    let text = try await client.nextText()
                    #expect(text.contains("\"id\":\"\(id)\""), "\(text)")
                }
                #expect(await eventually(timeoutMs: 5_000) { service.stderr.contains("last_id is newer than anything in the firehose") })
            }
        }

        /// 500 connections dribbling a request head a byte at a time are closed at the
        /// handshake timeout, while a browser-shaped client receives every event.
        @Test("a slowloris of 500 connections is cut at the handshake timeout; a normal client misses nothing")
        func slowloris() async throws {
            try await withService(config: ["handshakeTimeoutMs": 2_000]) { service in
                try await service.waitUntilReady()
                try await service.waitUntilReading()
                let client = try await service.connect(channel: "steady")
                let port = service.port
                let attack = Task.detached { try Slowloris.run(port: port, count: 500, intervalMs: 500, seconds: 5) }
                let publisher = try SupersetPublisher(endpoint: service.redis.endpoint)
                var ids: [StreamID] = []
                for _ in 0..<20 {
                    ids.append(try publisher.publish(channel: "steady"))
                    try await Task.sleep(for: .milliseconds(100))  // a steady rate of events
                }
                for id in ids {
                    #expect(try await client.nextText(timeout: .seconds(5)).contains("\"id\":\"\(id)\""))
                }
                let outcome = try await attack.value
                #expect(outcome.closed == outcome.opened, "\(outcome.closed) of \(outcome.opened) slow connections were closed")
            }
        }

        /// Out of descriptors, a worker sheds new connections at once (not a hang in the
        /// listen queue), says so in a line or two rather than hundreds a second, and
        /// answers `/health` again as soon as sockets close.
        @Test("file-descriptor exhaustion: connections shed at once, the log stays quiet, /health recovers")
        func descriptorExhaustion() async throws {
            try await withService(config: ["handshakeTimeoutMs": 60_000]) { service in
                let workers = try await service.waitUntilReady()
                for worker in workers {
                    let open = ProcessTable.openFiles(of: worker) ?? 0
                    let limit = open + 40
                    let prlimit = Process()
                    prlimit.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
                    prlimit.arguments = ["--pid", "\(worker)", "--nofile=\(limit):\(limit)"]
                    try prlimit.run()
                    prlimit.waitUntilExit()
                    #expect(prlimit.terminationStatus == 0)
                }
                // Hold more connections than both workers have descriptors left.
                var held: [Int32] = []
                defer { held.forEach { close($0) } }
                for _ in 0..<200 {
                    held.append(try RawFlood.openSocket(port: service.port))
                }
                // Every connection past the limit is closed at once by the worker.
                var shed = 0
                var hung: [String] = []
                for _ in 0..<50 {
                    guard case .failure(let failure) = HealthProbe.get(port: service.port, timeoutMs: 1_000) else { continue }
                    // Shed: closed or reset at once. Hung: the 1 s receive timeout ran out.
                    if "\(failure)".contains(String(cString: strerror(EAGAIN))) { hung.append("\(failure)") } else { shed += 1 }
                }
                #expect(shed > 0, "probes are shed while out of descriptors")
                #expect(hung.isEmpty, "no probe waits in the listen queue: \(hung.count) did")
                let lines = service.stderr.components(separatedBy: "out of file descriptors").count - 1
                #expect(lines >= 1 && lines <= 4, "\(lines) log lines about it")
                held.forEach { close($0) }
                held = []
                let recovered = await eventually(timeoutMs: 5_000) {
                    if case .success = HealthProbe.get(port: service.port, timeoutMs: 1_000) { return true }
                    return false
                }
                #expect(recovered, "/health answers once sockets close")
                #expect(service.workers == workers, "no worker was replaced")
            }
        }
    }
}
