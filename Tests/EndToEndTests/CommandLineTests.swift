import Foundation
import Testing
import TestSupport

/// The binary's configuration commands, run as an operator would.
@Suite struct CommandLineTests {
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> BinaryRun {
        try runBinary(arguments, environment: environment)
    }

    func configFile(_ json: String) throws -> String {
        let path = NSTemporaryDirectory() + "config-\(UUID().uuidString.prefix(8)).json"
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func checkConfigPrintsTheEffectiveConfigWithSecretsRedacted() throws {
        let path = try configFile("{\"jwtSecret\": \"\(TestTokens.secret)\", \"redis\": {\"password\": \"hunter2hunter2\"}, \"port\": 9001}")
        let result = try run(["check-config", "--config", path], environment: ["REDIS_PORT": "6390"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"port\" : 9001") || result.stdout.contains("\"port\": 9001"), "\(result.stdout)")
        #expect(result.stdout.contains("6390"), "environment overrides apply")
        #expect(!result.stdout.contains(TestTokens.secret))
        #expect(!result.stdout.contains("hunter2hunter2"))
        #expect(result.stdout.contains("<redacted>"))
        #expect(result.stdout.contains("\"maxSocketBufferBytes\": 1048576"), "the default slow-consumer cap is shown")
    }

    @Test func badConfigExits78NamingEveryBadKey() throws {
        let path = try configFile("{\"jwtSecret\": \"short\", \"port\": \"eighty\", \"redis\": {\"db\": -1}}")
        let result = try run(["check-config", "--config", path])
        #expect(result.status == 78)
        for key in ["jwtSecret", "port", "redis.db"] {
            #expect(result.stderr.contains(key), "\(key) in \(result.stderr)")
        }
        #expect(!result.stderr.contains("short\""), "the secret's value is not echoed")
    }

    @Test func serveRefusesABadConfigWith78() throws {
        let path = try configFile("{\"jwtSecret\": \"short\"}")
        let result = try run(["serve", "--config", path])
        #expect(result.status == 78)
        #expect(result.stderr.contains("jwtSecret"))
    }

    @Test func unknownKeysAreWarnings() throws {
        let path = try configFile("{\"jwtSecret\": \"\(TestTokens.secret)\", \"streamPrefix\": \"x\"}")
        let result = try run(["check-config", "--config", path])
        #expect(result.status == 0)
        #expect(result.stderr.contains("streamPrefix"))
    }

    /// `status` only needs to find the service: a secret it may not know, or a file it
    /// may not read, must not turn "is it running?" into a configuration error.
    @Test func statusLooksForTheServiceWhateverTheSecret() throws {
        let socket = NSTemporaryDirectory() + "nothing-\(UUID().uuidString.prefix(6)).sock"
        let path = try configFile("{\"jwtSecret\": \"short\", \"controlSocket\": \"\(socket)\"}")
        let result = try run(["status", "--config", path])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("no running superset-websocket service"), "\(result.stderr)")
        #expect(result.stderr.contains(socket), "it looked where the file says: \(result.stderr)")

        let unreadable = try run(["status", "--config", NSTemporaryDirectory() + "missing-\(UUID().uuidString.prefix(6)).json"])
        #expect(unreadable.status == 1, "\(unreadable.stderr)")
        #expect(unreadable.stderr.contains("cannot read configuration file"), "\(unreadable.stderr)")
        #expect(unreadable.stderr.contains("no running superset-websocket service"), "\(unreadable.stderr)")
    }

    @Test func devTokenIsAcceptedByTheVerifierShape() throws {
        let result = try run(["dev-token", "--channel", "abc"], environment: ["JWT_SECRET": TestTokens.secret])
        #expect(result.status == 0)
        let parts = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".")
        #expect(parts.count == 3)
    }

    /// `dev-realtime-token` mints Superset 7's `superset-ws-token` claims.
    @Test func devRealtimeTokenCarriesSuperset7sClaims() throws {
        let result = try run(["dev-realtime-token", "--user", "7", "--expires-in", "60"], environment: ["JWT_SECRET": TestTokens.secret])
        #expect(result.status == 0, "\(result.stderr)")
        let parts = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".")
        #expect(parts.count == 3)
        var body = parts.count == 3 ? String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") : ""
        body += String(repeating: "=", count: (4 - body.count % 4) % 4)
        let claims = try #require(Data(base64Encoded: body).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] })
        #expect(claims["channel"] as? String == "user:7")
        #expect(claims["sub"] as? String == "7")
        #expect(claims["principal_type"] as? String == "user")
        #expect(claims["aud"] as? String == "superset-websocket")
        #expect(claims["iss"] as? String == "superset")
        let exp = try #require(claims["exp"] as? Double)
        #expect(abs(exp - Date().timeIntervalSince1970 - 60) < 5)

        let unprefixed = try run(["dev-realtime-token", "--guest", "abc"], environment: ["JWT_SECRET": TestTokens.secret])
        #expect(unprefixed.status != 0, "a guest key must start with guest:")
    }

    /// `publish-realtime` reaches a realtime socket opened with a `dev-realtime-token`
    /// token, as the browser would receive it.
    @Test func publishRealtimeReachesTheRoutedSocket() async throws {
        try await withService(config: ["protocol": "realtime", "realtimeChannelPrefix": "cli:"]) { service in
            try await service.waitUntilReady()
            guard await eventually(timeoutMs: 10_000, { service.launcher.logCount(of: "realtime subscriber subscribed") >= 2 }) else {
                throw TestFailure("workers did not subscribe; stderr:\n\(service.stderr)")
            }
            let environment = ["JWT_SECRET": TestTokens.secret, "REDIS_PORT": String(service.redis.port), "REALTIME_CHANNEL_PREFIX": "cli:"]
            let token = try run(["dev-realtime-token", "--guest", "guest:c1"], environment: environment)
            #expect(token.status == 0, "\(token.stderr)")
            let client = try await WebSocketTestClient.connect(
                port: service.port, path: "/",
                cookie: TestTokens.cookie(token.stdout.trimmingCharacters(in: .whitespacesAndNewlines), name: "superset-ws-token"))
            #expect(client.status == 101)
            let published = try run(
                ["publish-realtime", "--route", "guest:c1", "--payload", #"{"task_id": "cli", "status": "success"}"#], environment: environment)
            #expect(published.status == 0, "\(published.stderr)")
            #expect(published.stdout.hasPrefix("2 "), "both workers are subscribed: \(published.stdout)")
            #expect(try await client.nextText() == #"{"topic":"task.status","payload":{"task_id":"cli","status":"success"}}"#)
            let broadcast = try run(["publish-realtime", "--topic", "entity.changed", "--scope", "authenticated_global",
                                     "--payload", #"{"entity_type": "chart", "id": 3}"#], environment: environment)
            #expect(broadcast.status == 0, "\(broadcast.stderr)")
            #expect(try await client.nextText() == #"{"topic":"entity.changed","payload":{"entity_type":"chart","id":3}}"#)
        }
    }
}
