import Foundation
import RedisStreams
import Testing
import TestSupport

/// Issue 13: Superset 7's realtime protocol, served by the real binary (2 workers) from a
/// real redis-server, with `PUBLISH`es shaped like Superset 7's producer and real
/// WebSocket clients.
extension EndToEnd {
    @Suite("Realtime") struct Realtime {
        static func config(_ protocolName: String = "realtime", extra: [String: Any] = [:]) -> [String: Any] {
            ["protocol": protocolName].merging(extra) { $1 }
        }

        static func waitUntilSubscribed(_ service: ServiceProcess, count: Int = 2, atLeast: Int? = nil) async throws {
            let target = atLeast ?? count
            guard await eventually(timeoutMs: 10_000, { service.launcher.logCount(of: "realtime subscriber subscribed") >= target }) else {
                throw TestFailure("workers did not subscribe; stderr:\n\(service.stderr)")
            }
        }

        static func publish(_ service: ServiceProcess, _ message: String, channel: String = "realtime") throws {
            let connection = RedisConnection(endpoint: service.redis.endpoint)
            try connection.connect()
            defer { connection.close() }
            _ = try connection.command(["PUBLISH", channel, message])
        }

        static func taskStatus(_ task: String, routes: [String], scope: String = "principal") -> String {
            let list = routes.map { "\"\($0)\"" }.joined(separator: ", ")
            return #"{"topic": "task.status", "scope": "\#(scope)", "routes": [\#(list)], "payload": {"task_id": "\#(task)", "status": "success"}}"#
        }

        static func browser(_ task: String) -> String {
            #"{"topic":"task.status","payload":{"task_id":"\#(task)","status":"success"}}"#
        }

        static func connect(_ service: ServiceProcess, token: String, query: String = "") async throws -> WebSocketTestClient {
            try await WebSocketTestClient.connect(port: service.port, path: "/" + query, cookie: TestTokens.cookie(token, name: "superset-ws-token"))
        }

        @Test("user, guest and tab routes reach exactly their sockets; any topic is forwarded; bad input is skipped")
        func routes() async throws {
            try await withService(config: Self.config()) { service in
            try await service.waitUntilReady()
            try await Self.waitUntilSubscribed(service)
            let user = try await Self.connect(service, token: TestTokens.realtime(user: "1"))
            let tabA = try await Self.connect(service, token: TestTokens.realtime(user: "2"), query: "?tab_id=tab-A")
            let tabB = try await Self.connect(service, token: TestTokens.realtime(user: "2"), query: "?tab_id=tab-B")
            let guest = try await Self.connect(service, token: TestTokens.realtimeGuest(key: "guest:5d41402a"))
            for client in [user, tabA, tabB, guest] { #expect(client.status == 101) }

            try Self.publish(service, "not json")
            try Self.publish(service, #"{"topic": "report.progress", "scope": "authenticated_global", "payload": {}}"#)
            try Self.publish(service, Self.taskStatus("nobody", routes: ["user:99"]))
            try Self.publish(service, #"{"topic": "task.status", "scope": "principal", "payload": {"task_id": "no-routes"}}"#)
            try Self.publish(service, #"{"topic": "task.status", "scope": "principal", "routes": [""], "payload": {"task_id": "empty-route"}}"#)
            try Self.publish(service, Self.taskStatus("t1", routes: ["user:1", "user:1"]))
            try Self.publish(service, Self.taskStatus("t2", routes: ["user:2:tab-A"], scope: "tab"))
            try Self.publish(service, Self.taskStatus("t3", routes: ["guest:5d41402a"]))
            try Self.publish(service, Self.taskStatus("t4", routes: ["user:2", "user:2:tab-B"]))
            try Self.publish(service, #"{"topic": "entity.changed", "scope": "authenticated_global", "payload": {"entity_type": "task", "id": 1}}"#)
            let nudge = #"{"topic":"entity.changed","payload":{"entity_type":"task","id":1}}"#
            // Upstream 7.0 forwards every topic: the browser dispatches on it.
            for client in [user, tabA, tabB, guest] { #expect(try await client.nextText() == #"{"topic":"report.progress","payload":{}}"#) }

            #expect(try await user.nextText() == Self.browser("t1"))
            #expect(try await user.nextText() == nudge)
            #expect(try await tabA.nextText() == Self.browser("t2"))
            #expect(try await tabA.nextText() == Self.browser("t4"))
            #expect(try await tabA.nextText() == nudge)
            #expect(try await tabB.nextText() == Self.browser("t4"))
            #expect(try await tabB.nextText() == nudge)
            #expect(try await guest.nextText() == Self.browser("t3"))
            #expect(try await guest.nextText() == nudge)
            #expect(service.isRunning)
            #expect(service.stderr.contains("skipping realtime message"))
            }
        }

        @Test("tokens: missing exp, wrong aud or iss refused with 401; the previous secret is accepted; expiry closes the socket")
        func tokens() async throws {
            let previous = "previous-secret-that-is-at-least-32-bytes"
            try await withService(config: Self.config(extra: ["previousJwtSecret": previous])) { service in
            try await service.waitUntilReady()
            try await Self.waitUntilSubscribed(service)
            let noExp = TestTokens.make(payloadJSON: #"{"channel": "user:1", "principal_type": "user", "sub": "1", "aud": "superset-websocket", "iss": "superset"}"#)
            // Upstream's principalChannel: a guest subject must be namespaced (`guest:`).
            let unprefixedGuest = TestTokens.realtimeGuest(key: "5d41402a")
            for token in [noExp, unprefixedGuest, TestTokens.realtime(user: "1", aud: "other"), TestTokens.realtime(user: "1", iss: "other"),
                          TestTokens.realtime(user: "1", secret: "wrong-secret-that-is-at-least-32-bytes-x")] {
                #expect(try await Self.connect(service, token: token).status == 401)
            }
            #expect(try await Self.connect(service, token: TestTokens.realtime(user: "1", secret: previous)).status == 101)
            let expiring = try await Self.connect(service, token: TestTokens.realtime(user: "1", exp: Int(Date().timeIntervalSince1970) + 2))
            #expect(expiring.status == 101)
            #expect(try await expiring.closeCode(timeout: .seconds(5)) == 1008)
            }
        }

        @Test("both generations at once with 2 workers: each cookie gets its own generation's events")
        func both() async throws {
            try await withService(config: Self.config("both")) { service in
            try await service.waitUntilReady()
            try await service.waitUntilReading()
            try await Self.waitUntilSubscribed(service)
            var streams: [WebSocketTestClient] = []
            var realtime: [WebSocketTestClient] = []
            for _ in 0..<4 {
                streams.append(try await service.connect(channel: "legacy"))
                realtime.append(try await Self.connect(service, token: TestTokens.realtime(user: "1")))
            }
            let publisher = try SupersetPublisher(endpoint: service.redis.endpoint)
            let id = try publisher.publish(channel: "legacy", value: SupersetPublisher.eventJSON(channel: "legacy", job: "j1"))
            try Self.publish(service, Self.taskStatus("t1", routes: ["user:1"]))
            for client in streams {
                let text = try await client.nextText()
                #expect(text.hasPrefix("{\"id\":\"\(id)\",\"channel_id\":\"legacy\""))
            }
            for client in realtime { #expect(try await client.nextText() == Self.browser("t1")) }
            for client in streams + realtime { #expect(await client.silence(for: .milliseconds(300)) == nil) }
            }
        }

        @Test("Redis restart: sockets close with 1012, upgrades and /ready get 503, then recovery")
        func redisRestart() async throws {
            try await withService(config: Self.config()) { service in
            try await service.waitUntilReady()
            try await Self.waitUntilSubscribed(service)
            let client = try await Self.connect(service, token: TestTokens.realtime(user: "1"))
            #expect(try await Self.ready(service) == 200)
            service.redis.kill()
            #expect(try await client.closeCode(timeout: .seconds(10)) == 1012)
            #expect(try await Self.connect(service, token: TestTokens.realtime(user: "1")).status == 503)
            // Upstream's order: the subscriber's health before the token.
            #expect(try await Self.connect(service, token: TestTokens.realtime(user: "1", aud: "other")).status == 503)
            #expect(try await Self.ready(service) == 503)
            try service.redis.restart()
            try await Self.waitUntilSubscribed(service, atLeast: 4)
            #expect(try await Self.ready(service) == 200)
            let again = try await Self.connect(service, token: TestTokens.realtime(user: "1"))
            #expect(again.status == 101)
            try Self.publish(service, Self.taskStatus("after", routes: ["user:1"]))
            #expect(try await again.nextText() == Self.browser("after"))
            }
        }

        @Test("resume: a reconnect with the last message id gets what it missed once, in order; an unknown id gets a gap notice")
        func resume() async throws {
            try await withService(config: Self.config(extra: ["workers": 1])) { service in
            try await service.waitUntilReady(workers: 1)
            try await Self.waitUntilSubscribed(service, count: 1)
            let first = try await Self.connect(service, token: TestTokens.realtime(user: "1"), query: "?resume=1")
            try Self.publish(service, Self.taskStatus("m1", routes: ["user:1"]))
            let seen = try await first.nextText()
            let id = try #require(seen.split(separator: "\"").dropFirst(3).first.map(String.init))
            #expect(seen == #"{"id":"\#(id)","topic":"task.status","payload":{"task_id":"m1","status":"success"}}"#)
            await first.abort()
            for task in ["m2", "m3"] { try Self.publish(service, Self.taskStatus(task, routes: ["user:1"])) }
            try Self.publish(service, Self.taskStatus("other", routes: ["user:2"]))
            // The publishes reached the worker once a fresh socket sees a later one.
            let probe = try await Self.connect(service, token: TestTokens.realtime(user: "3"))
            try Self.publish(service, Self.taskStatus("probe", routes: ["user:3"]))
            _ = try await probe.nextText()
            let back = try await Self.connect(service, token: TestTokens.realtime(user: "1"), query: "?resume=1&last_message_id=\(id)")
            #expect(try await back.nextText().contains("\"m2\""))
            #expect(try await back.nextText().contains("\"m3\""))
            #expect(await back.silence(for: .milliseconds(300)) == nil)
            let lost = try await Self.connect(service, token: TestTokens.realtime(user: "1"), query: "?resume=1&last_message_id=ffff")
            #expect(try await lost.nextText() == #"{"topic":"realtime.gap","payload":{"last_message_id":"ffff"}}"#)
            }
        }

        /// `GET /ready`'s status code.
        static func ready(_ service: ServiceProcess) async throws -> Int {
            let request = "GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            let client = try await WebSocketTestClient.connect(port: service.port, rawRequest: Array(request.utf8))
            await client.abort()
            return Int(client.status)
        }
    }
}
