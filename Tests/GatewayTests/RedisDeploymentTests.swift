import Config
import Events
import Foundation
import Logging
import RedisStreams
import Testing
import TestSupport

@testable import Gateway

/// A worker against Redis as operators run it: TLS (mutual), ACL users, unix sockets.
/// Each checks live delivery and a replay with `last_id` (which runs on its own
/// connections): every connection of the worker goes the same way.
@Suite(.serialized) struct RedisDeploymentTests {
    /// Live, then a reconnect with `last_id` served from Redis (history of 1 event).
    private func checkLiveAndReplay(_ harness: GatewayHarness, channel: String = "ops") async throws {
        let client = try await harness.connect(channel: channel)
        let first = try harness.publisher.publish(channel: channel)
        #expect(try await receive(client, count: 1) == [first])
        await client.abort()
        let missed = try (0..<3).map { _ in try harness.publisher.publish(channel: channel) }
        let again = try await harness.connect(channel: channel, lastID: first)
        #expect(try await receive(again, count: 3) == missed)
        let live = try harness.publisher.publish(channel: channel)
        #expect(try await receive(again, count: 1) == [live])
    }

    @Test func mutualTLS() async throws {
        let pki = try TestPKI()
        let server = try RedisServer(tls: pki.serverTLS(requireClientCertificates: true))
        let harness = try await GatewayHarness(server: server, configure: {
            $0.redis.ssl = true
            $0.redis.tlsCaFile = pki.ca.certFile
            $0.redis.tlsCertFile = pki.client.certFile
            $0.redis.tlsKeyFile = pki.client.keyFile
        }, hub: { $0.historyMaxEvents = 1 })
        try await checkLiveAndReplay(harness)
        await harness.shutdown()
    }

    @Test func tlsToACertificateForAnotherNameWithoutHostnameValidation() async throws {
        let pki = try TestPKI()
        let other = try pki.ca.issue("other", dnsNames: ["other.example"])
        let server = try RedisServer(tls: pki.serverTLS(certificate: other))
        let harness = try await GatewayHarness(server: server, configure: {
            $0.redis.ssl = true
            $0.redis.tlsCaFile = pki.ca.certFile
            $0.redis.validateHostname = false
        })
        try await checkLiveAndReplay(harness)
        await harness.shutdown()
    }

    @Test func unusableTLSFilesStopTheWorkerAtBoot() async throws {
        var config = ServiceConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.jwtSecret = TestTokens.secret
        config.redis.ssl = true
        config.redis.tlsCaFile = "/nonexistent/redis-ca.pem"
        do {
            let worker = try await GatewayWorker.start(options: GatewayOptions(config: config), logger: Logger(label: "t"))
            await worker.shutdown()
            Issue.record("the worker started")
        } catch {
            #expect("\(error)".contains("/nonexistent/redis-ca.pem"))
            #expect("\(error)".contains("redis.tlsCaFile"))
        }
    }

    @Test func unixSocket() async throws {
        let server = try RedisServer(unixSocket: true)
        let harness = try await GatewayHarness(server: server, configure: {
            $0.redis.path = server.socketPath
            $0.redis.port = 1  // Proves the socket is used, not host:port.
        }, hub: { $0.historyMaxEvents = 1 })
        try await checkLiveAndReplay(harness)
        await harness.shutdown()
    }

    /// The commands and keys the service needs, and nothing else: read-only, on the
    /// prefix's keys, in database 2.
    static let leastPrivilege = [
        "on", "resetkeys", "%R~async-events-*", "resetchannels", "-@all",
        "+xread", "+xrange", "+xrevrange", "+xinfo|stream", "+select",
    ]

    @Test func anACLUserWithOnlyWhatTheServiceNeeds() async throws {
        let server = try RedisServer()
        let admin = try RedisConnection.connected(server.endpoint)
        _ = try admin.command(["ACL", "SETUSER", "websocket"] + Self.leastPrivilege + [">ws-Secret-1"])
        let harness = try await GatewayHarness(server: server, publisherDB: 2, configure: {
            $0.redis.username = "websocket"
            $0.redis.password = "ws-Secret-1"
            $0.redis.db = 2
        }, hub: { $0.historyMaxEvents = 1 })
        try await checkLiveAndReplay(harness)

        // The user really is that narrow: no writes, no other keys.
        var asService = server.endpoint
        asService.username = "websocket"
        asService.password = "ws-Secret-1"
        asService.db = 2
        let service = try RedisConnection.connected(asService)
        #expect(throws: RedisError.self) { try service.xadd(stream: "async-events-full", fields: [StreamField(name: "data", value: "x")]) }
        #expect(throws: RedisError.self) { try service.command(["GET", "other-key"]) }
        await harness.shutdown()
    }

    @Test func aWrongPasswordIsAClearErrorRetriedWithBackoff() async throws {
        let server = try RedisServer()
        let admin = try RedisConnection.connected(server.endpoint)
        _ = try admin.command(["ACL", "SETUSER", "websocket"] + Self.leastPrivilege + [">right-password"])
        let logs = LogCapture()
        let harness = try await GatewayHarness(server: server, logger: logs.logger, awaitFirehose: false, configure: {
            $0.redis.username = "websocket"
            $0.redis.password = "wrong-password-XYZ"
        })

        /// Failed AUTHs, from the server's ACL LOG (repeated failures are counted in one entry).
        func deniedAuths() throws -> Int {
            let entries = try admin.command(["ACL", "LOG"]).array ?? []
            return entries.reduce(0) { total, entry in
                let fields = entry.array ?? []
                var values: [String: RedisReply] = [:]
                for index in stride(from: 0, to: fields.count - 1, by: 2) {
                    if let key = fields[index].string { values[key] = fields[index + 1] }
                }
                guard values["reason"]?.string == "auth", values["username"]?.string == "websocket" else { return total }
                return total + Int(values["count"]?.integer ?? 0)
            }
        }
        // Retried: several attempts...
        #expect(try await eventually(timeout: .seconds(10)) { try deniedAuths() >= 4 })
        let start = ContinuousClock.now
        let before = try deniedAuths()
        try await Task.sleep(for: .milliseconds(1_500))  // A window to count attempts in, not a synchronisation.
        let during = try deniedAuths() - before
        // ...with back-off: at most a handful in 1.5 s (a tight loop would make thousands).
        #expect(during <= 6, "\(during) attempts in \(ContinuousClock.now - start)")

        // A clear error, once, naming the user and never the password.
        let errors = logs.lines.filter { $0.level >= .error }
        #expect(errors.count == 1, "\(errors.map(\.text))")
        let text = errors.first?.text ?? ""
        #expect(text.contains("AUTH as user 'websocket' on 127.0.0.1:\(server.port) failed"), "\(text)")
        #expect(text.contains("WRONGPASS"))
        #expect(!logs.lines.contains { $0.text.contains("wrong-password-XYZ") })
        #expect(try await harness.worker.snapshot().redisState == "connecting")

        // Not a crash: once the password is accepted, the worker carries on by itself.
        _ = try admin.command(["ACL", "SETUSER", "websocket", ">wrong-password-XYZ"])
        try await harness.worker.firehoseReady()
        let client = try await harness.connect(channel: "after")
        let sent = try harness.publisher.publish(channel: "after")
        #expect(try await receive(client, count: 1) == [sent])
        await harness.shutdown()
    }
}

extension RedisConnection {
    /// A connection that is already connected.
    static func connected(_ endpoint: RedisEndpoint) throws -> RedisConnection {
        let connection = RedisConnection(endpoint: endpoint)
        try connection.connect()
        return connection
    }
}
