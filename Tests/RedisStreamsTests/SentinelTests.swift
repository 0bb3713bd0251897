import Events
import Foundation
import RedisStreams
import TestSupport
import Testing

/// Finding the master through real `redis-sentinel`s (failovers are tested end to end in
/// GatewayTests).
@Suite("Sentinel discovery", .serialized)
struct SentinelTests {
    @Test func connectsToTheMasterTheSentinelsNameAndChecksItsRole() throws {
        let cluster = try SentinelCluster(sentinelPassword: "sentinel-secret-XYZ")
        let connection = try connected(cluster.endpoint)
        #expect(connection.server == "127.0.0.1:\(cluster.servers[0].port)")
        #expect(try connection.command(["ROLE"]).array?.first?.string == "master")
        #expect(cluster.endpoint.description.hasPrefix("sentinel mymaster@127.0.0.1:"))

        // A dead Sentinel is skipped: the next one answers.
        cluster.sentinels[0].stop()
        let again = try connected(cluster.endpoint)
        #expect(again.server == "127.0.0.1:\(cluster.servers[0].port)")
    }

    @Test func clearErrorsWithoutSecrets() throws {
        let cluster = try SentinelCluster(sentinelPassword: "sentinel-secret-XYZ")
        func error(_ change: (inout RedisSentinelSettings) -> Void) -> String {
            var settings = cluster.settings
            change(&settings)
            let connection = RedisConnection(endpoint: RedisEndpoint(target: .sentinel(settings), connectTimeoutMs: 1_000))
            do {
                try connection.connect()
                return ""
            } catch {
                return "\(error)"
            }
        }
        let unknown = error { $0.masterName = "nosuchmaster" }
        #expect(unknown.contains("does not monitor a master named 'nosuchmaster'"), "\(unknown)")
        #expect(unknown.contains("Sentinel 127.0.0.1:\(cluster.sentinels[0].port)"))

        let wrongPassword = error { $0.password = "wrong-password-ABC" }
        #expect(wrongPassword.contains("WRONGPASS") || wrongPassword.contains("invalid password"), "\(wrongPassword)")
        #expect(!wrongPassword.contains("wrong-password-ABC"))
        #expect(!wrongPassword.contains("sentinel-secret-XYZ"))

        let noneUp = error { $0.sentinels = [RedisHostAndPort(host: "127.0.0.1", port: 1)] }
        #expect(noneUp.contains("no Sentinel named a master for 'mymaster'"), "\(noneUp)")
    }

    @Test func aReplicaNamedMasterIsRefused() throws {
        // A lone Sentinel told that the replica is the master: ROLE says otherwise.
        let cluster = try SentinelCluster()
        let replica = cluster.servers[1]
        let liar = try RedisSentinel(monitoring: "liar", masterPort: replica.port, quorum: 1)
        let connection = RedisConnection(endpoint: RedisEndpoint(
            target: .sentinel(RedisSentinelSettings(sentinels: [liar.address], masterName: "liar")), connectTimeoutMs: 1_000))
        #expect {
            try connection.connect()
        } throws: { error in
            "\(error)".contains("127.0.0.1:\(replica.port), named master of 'liar' by the Sentinels, is a slave")
        }
        #expect(!connection.isConnected)
    }

    @Test func aMasterTurnedReplicaIsLeftOnReadOnly() throws {
        let master = try RedisServer()
        let other = try RedisServer()
        let sentinel = try RedisSentinel(monitoring: "solo", masterPort: master.port, quorum: 1)
        let connection = try connected(RedisEndpoint(
            target: .sentinel(RedisSentinelSettings(sentinels: [sentinel.address], masterName: "solo", masterCheckIntervalMs: 60_000))))
        try connection.xadd(stream: "s", fields: [StreamField(name: "f", value: "1")])
        let admin = try connected(master.endpoint)
        _ = try admin.command(["REPLICAOF", other.host, String(other.port)])
        #expect {
            try connection.xadd(stream: "s", fields: [StreamField(name: "f", value: "2")])
        } throws: { error in
            guard case RedisError.connection(let message) = error else { return false }
            return message.contains("127.0.0.1:\(master.port) is no longer the master (READONLY")
        }
        #expect(!connection.isConnected, "closed, so that the next connect asks the Sentinels")
    }

    @Test func aWorkingConnectionOutlivesItsSentinels() throws {
        let cluster = try SentinelCluster()
        var settings = cluster.settings
        settings.masterCheckIntervalMs = 20
        let connection = try connected(RedisEndpoint(target: .sentinel(settings)))
        cluster.sentinels.forEach { $0.stop() }
        // Every blocked XREAD outlasts the check interval: each command first tries a
        // (stopped) Sentinel, which must neither fail the command nor hold it up.
        var replies: [Int] = []
        let ms = try elapsedMs {
            for _ in 0..<5 {
                replies.append(try connection.xread(stream: "s", after: .zero, count: 1, blockMs: 50).count)
            }
        }
        #expect(replies == [0, 0, 0, 0, 0])
        #expect(connection.isConnected)
        #expect(ms < 2_000, "\(ms) ms")
    }

    @Test func sentinelsAndMastersOverTLS() throws {
        let pki = try TestPKI()
        let cluster = try SentinelCluster(tls: pki.serverTLS())
        let connection = try connected(cluster.endpoint)
        #expect(connection.server == "127.0.0.1:\(cluster.servers[0].port)")
        #expect(try connection.command(["ROLE"]).array?.first?.string == "master")

        // The Sentinels' certificates are verified like the servers'.
        let stranger = try TestCertificateAuthority(name: "stranger-ca")
        var untrusted = cluster.endpoint
        untrusted.tls?.caFile = stranger.certFile
        let refused = RedisConnection(endpoint: untrusted)
        #expect {
            try refused.connect()
        } throws: { error in
            "\(error)".contains("no Sentinel named a master") && "\(error)".contains("not signed by the CA in \(stranger.certFile)")
        }
    }
}
