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

    @Test func devTokenIsAcceptedByTheVerifierShape() throws {
        let result = try run(["dev-token", "--channel", "abc"], environment: ["JWT_SECRET": TestTokens.secret])
        #expect(result.status == 0)
        let parts = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".")
        #expect(parts.count == 3)
    }
}
