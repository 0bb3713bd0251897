import Foundation
import Events
import RedisStreams
import TestSupport
import Testing

@Suite("RedisConnection against a real redis-server")
struct RedisConnectionTests {
    @Test func pingAndErrorRepliesLeaveTheConnectionUsable() throws {
        let server = try RedisServer()
        let connection = try connected(server.endpoint)
        #expect(try connection.command(["PING"]) == .status("PONG"))
        #expect(throws: RedisError.self) { try connection.command(["NOSUCHCOMMAND"]) }
        #expect(connection.isConnected)
        #expect(try connection.command(["ECHO", "still here"]) == .bulk(Array("still here".utf8)))
    }

    @Test func connectionRefusedNamesTheAddress() throws {
        let server = try RedisServer()
        let endpoint = server.endpoint
        server.stop()
        let connection = RedisConnection(endpoint: endpoint)
        #expect {
            try connection.connect()
        } throws: { error in
            guard case RedisError.connection(let message) = error else { return false }
            return message.contains("127.0.0.1:\(server.port)")
        }
        #expect(!connection.isConnected)
    }

    @Test func aclUserAuthenticates() throws {
        let server = try RedisServer()
        let admin = try connected(server.endpoint)
        _ = try admin.command(["ACL", "SETUSER", "alice", "on", ">Sup3r-s3cret!", "~*", "&*", "+@all"])

        var endpoint = server.endpoint
        endpoint.username = "alice"
        endpoint.password = "Sup3r-s3cret!"
        let alice = try connected(endpoint)
        #expect(try alice.command(["ACL", "WHOAMI"]) == .bulk(Array("alice".utf8)))
    }

    @Test func wrongPasswordIsAServerErrorThatNeverShowsThePassword() throws {
        let server = try RedisServer()
        let admin = try connected(server.endpoint)
        _ = try admin.command(["ACL", "SETUSER", "alice", "on", ">right-password", "~*", "+@all"])

        var endpoint = server.endpoint
        endpoint.username = "alice"
        endpoint.password = "wrong-password-XYZ"
        let connection = RedisConnection(endpoint: endpoint)
        var caught: RedisError?
        do { try connection.connect() } catch { caught = error }
        guard case .server(let message) = caught else {
            Issue.record("expected RedisError.server, got \(String(describing: caught))")
            return
        }
        #expect(message.contains("AUTH"))
        #expect(message.contains("alice"))
        #expect(message.contains("WRONGPASS"))
        #expect(!message.contains("wrong-password-XYZ"))
        #expect(!"\(caught!)".contains("wrong-password-XYZ"))
        #expect(!connection.isConnected)
    }

    @Test func passwordWithoutUsernameUsesLegacyAuth() throws {
        let server = try RedisServer(extraArguments: ["--requirepass", "legacy-pw"])
        let anonymous = RedisConnection(endpoint: server.endpoint)
        // Without credentials, commands are refused.
        try anonymous.connect()
        #expect(throws: RedisError.self) { try anonymous.command(["GET", "x"]) }

        var endpoint = server.endpoint
        endpoint.username = ""
        endpoint.password = "legacy-pw"
        let connection = try connected(endpoint)
        #expect(try connection.command(["PING"]) == .status("PONG"))
    }

    @Test func selectIsolatesDatabases() throws {
        let server = try RedisServer()
        var db3 = server.endpoint
        db3.db = 3
        let three = try connected(db3)
        let zero = try connected(server.endpoint)
        try three.xadd(stream: "s", fields: [StreamField(name: "data", value: "in db 3")])
        #expect(try three.xrange(stream: "s", from: .zero).count == 1)
        #expect(try zero.xrange(stream: "s", from: .zero).isEmpty)
        #expect(try zero.lastGeneratedID(stream: "s") == .zero)
    }

    @Test func aReplyThatNeverComesIsATimeoutAndClosesTheConnection() throws {
        let server = try RedisServer()
        let connection = try connected(server.endpoint, responseTimeoutMs: 200)
        var caught: RedisError?
        let ms = elapsedMs {
            do { _ = try connection.command(["BLPOP", "empty-list", "5"]) } catch { caught = error as? RedisError }
        }
        #expect(caught == .timeout)
        #expect(ms < 2_000)
        #expect(!connection.isConnected)
        try connection.connect()
        #expect(try connection.command(["PING"]) == .status("PONG"))
    }

    @Test func anInterrupterWakesABlockedRead() throws {
        let server = try RedisServer()
        let interrupter = RedisInterrupter()
        let endpoint = server.endpoint
        let outcome = Recorder<String>()
        let thread = Thread {
            let connection = RedisConnection(endpoint: endpoint, interrupter: interrupter)
            do {
                try connection.connect()
                _ = try connection.xread(stream: "s", after: .zero, count: 10, blockMs: 30_000)
                outcome.append("returned")
            } catch {
                outcome.append("\(error)")
            }
        }
        thread.start()
        #expect(try waitUntil { try someClientIsRunning("xread", on: endpoint) })
        let ms = elapsedMs {
            interrupter.interrupt()
            #expect(outcome.wait(forCount: 1, timeoutMs: 2_000))
        }
        #expect(ms < 1_000)
        #expect(outcome.snapshot.first?.contains("interrupted") == true)
    }
}
