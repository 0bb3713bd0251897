import Foundation
import RedisStreams

/// A master, one replica and three Sentinels (quorum 2) on loopback, with short timeouts
/// so that a failover takes a few seconds: what the Sentinel tests run against.
///
/// `@unchecked Sendable`: the servers are themselves thread-safe and the lists are constant.
public final class SentinelCluster: @unchecked Sendable {
    public let masterName: String
    /// The servers in start order: `servers[0]` starts as master, `servers[1]` as its replica.
    public let servers: [RedisServer]
    public let sentinels: [RedisSentinel]
    public let sentinelPassword: String?
    public let tls: RedisServer.TLS?

    /// - Parameters:
    ///   - downAfterMs: how long Sentinels wait before they consider a silent master down.
    ///   - sentinelPassword: the Sentinels' `requirepass`, when they should require one.
    ///   - tls: every server and Sentinel serves TLS only (replication included).
    public init(
        masterName: String = "mymaster", downAfterMs: Int = 1_000, failoverTimeoutMs: Int = 5_000,
        sentinelPassword: String? = nil, tls: RedisServer.TLS? = nil
    ) throws {
        self.masterName = masterName
        self.sentinelPassword = sentinelPassword
        self.tls = tls
        // No 5 s wait before a (diskless) full sync: replicas link up at once.
        var options = ["--repl-diskless-sync-delay", "0"]
        if tls != nil { options += ["--tls-replication", "yes"] }
        let master = try RedisServer(extraArguments: options, tls: tls)
        let replica = try RedisServer(extraArguments: options + ["--replicaof", master.host, String(master.port)], tls: tls)
        servers = [master, replica]
        let identities = try (0..<3).map { _ in try RedisSentinel.Peer.make() }
        sentinels = try identities.map { identity in
            try RedisSentinel(
                monitoring: masterName, masterPort: master.port, downAfterMs: downAfterMs,
                failoverTimeoutMs: failoverTimeoutMs, password: sentinelPassword, identity: identity,
                peers: identities.filter { $0.id != identity.id }, replicaPorts: [replica.port], tls: tls)
        }
        try waitUntilSettled(master: master, timeoutMs: 20_000)
    }

    deinit {
        stop()
    }

    /// How a client reaches the master through these Sentinels.
    public var settings: RedisSentinelSettings {
        RedisSentinelSettings(
            sentinels: sentinels.map(\.address), masterName: masterName, password: sentinelPassword ?? "")
    }

    /// An endpoint for the default user of whichever server is master.
    public var endpoint: RedisEndpoint {
        RedisEndpoint(target: .sentinel(settings), tls: tls?.client, connectTimeoutMs: 1_000)
    }

    /// The master according to the first Sentinel that answers.
    public func currentMaster() -> RedisHostAndPort? {
        for sentinel in sentinels {
            if let address = try? sentinel.masterAddress(masterName) { return address }
        }
        return nil
    }

    /// The server listening at `address`.
    public func server(at address: RedisHostAndPort) -> RedisServer? {
        servers.first { $0.port == address.port }
    }

    /// `SENTINEL FAILOVER` on the first Sentinel: a manual failover.
    public func failover() throws {
        let connection = try sentinels[0].connect()
        defer { connection.close() }
        _ = try connection.command(["SENTINEL", "FAILOVER", masterName])
    }

    /// Waits until every Sentinel names `address` master, knows the other two
    /// Sentinels and (when `withReplica`) a replica; and the replica's link is up.
    public func waitUntilSettled(master: RedisServer, withReplica: Bool = true, timeoutMs: Int) throws {
        let deadline = Date(timeIntervalSinceNow: Double(timeoutMs) / 1000)
        var last = "no attempt"
        while Date() < deadline {
            do {
                if try settled(master: master, withReplica: withReplica, state: &last) { return }
            } catch {
                last = "\(error)"
            }
            usleep(20_000)  // The polling interval, not a synchronisation.
        }
        throw RedisServerError.launch("Sentinel cluster did not settle in \(timeoutMs) ms: \(last)")
    }

    private func settled(master: RedisServer, withReplica: Bool, state: inout String) throws -> Bool {
        for sentinel in sentinels {
            let info = try sentinel.master(masterName)
            guard info["port"] == String(master.port), info["num-other-sentinels"] == "2",
                  !withReplica || Int(info["num-slaves"] ?? "0") ?? 0 >= 1,
                  !(info["flags"] ?? "").contains("down"), !(info["flags"] ?? "").contains("failover")
            else {
                state = "Sentinel :\(sentinel.port) sees \(info)"
                return false
            }
        }
        guard withReplica else { return true }
        for replica in servers where replica !== master && replica.isRunning {
            let connection = RedisConnection(endpoint: replica.endpoint, responseTimeoutMs: 1_000)
            try connection.connect()
            defer { connection.close() }
            let replication = try connection.command(["INFO", "replication"]).string ?? ""
            guard replication.contains("master_port:\(master.port)"), replication.contains("master_link_status:up") else {
                state = "replica :\(replica.port) not linked to :\(master.port)"
                return false
            }
        }
        // "Link up" on the replica is not enough: after a full sync the master buffers
        // writes until the replica's first REPLCONF ACK (up to a second). A write the
        // replica acknowledges proves that writes now reach it.
        let connection = RedisConnection(endpoint: master.endpoint, responseTimeoutMs: 3_000)
        try connection.connect()
        defer { connection.close() }
        _ = try connection.command(["SET", "sentinel-cluster:settled", "1"])
        guard try connection.command(["WAIT", "1", "2000"]).integer ?? 0 >= 1 else {
            state = "the replica does not acknowledge writes yet"
            return false
        }
        return true
    }

    public func stop() {
        sentinels.forEach { $0.stop() }
        servers.forEach { $0.stop() }
    }
}
