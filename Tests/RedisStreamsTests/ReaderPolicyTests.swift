import Testing
@testable import RedisStreams

@Suite("Reader policies: health state machine, back-off, handshake")
struct ReaderPolicyTests {
    @Test func healthReportsEachChangeOnce() {
        var health = ConnectionHealth()
        #expect(health.state == .connecting)
        #expect(health.attemptFailed() == .failing)
        #expect(health.attemptFailed() == .none)
        #expect(health.connectionSucceeded() == .recovered(failures: 2))
        #expect(health.state == .connected)
        #expect(health.attemptFailed() == .failing)
        #expect(health.attemptFailed() == .none)
        #expect(health.attemptFailed() == .none)
        #expect(health.state == .failing)
        #expect(health.connectionSucceeded() == .recovered(failures: 3))

        var fresh = ConnectionHealth()
        #expect(fresh.connectionSucceeded() == .connected)
    }

    @Test func backoffDoublesWithJitterUpToTheCapAndResets() {
        var backoff = Backoff(initialMs: 50, maximumMs: 5_000)
        var base = 50
        for _ in 0..<12 {
            let delay = backoff.nextDelayMs()
            #expect(delay >= base / 2 && delay <= base)
            base = min(5_000, base * 2)
        }
        #expect(base == 5_000)
        backoff.reset()
        #expect(backoff.nextDelayMs() <= 50)
    }

    @Test func handshakeFollowsUpstreamCredentialRules() {
        #expect(RedisHandshake.commands(for: RedisEndpoint()) == [])
        #expect(RedisHandshake.commands(for: RedisEndpoint(password: "pw")) == [["AUTH", "default", "pw"]])
        #expect(RedisHandshake.commands(for: RedisEndpoint(username: "", password: "pw")) == [["AUTH", "pw"]])
        #expect(RedisHandshake.commands(for: RedisEndpoint(username: "u", password: "", db: 3)) == [["SELECT", "3"]])
    }

    @Test func endpointDescriptionHasNoCredentials() {
        let endpoint = RedisEndpoint(host: "redis.internal", port: 6380, username: "u", password: "hunter2", db: 2)
        #expect("\(endpoint)" == "redis.internal:6380/2")
    }
}
