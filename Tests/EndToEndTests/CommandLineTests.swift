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
}
