import Foundation
import RedisStreams

/// A real `redis-sentinel` for tests: Debian's binary on a free loopback port with its
/// own config file (Sentinel rewrites it) in a fresh temporary directory, monitoring one
/// master. Ready (it answered PING) when `init` returns; stopped by `stop()` and `deinit`.
///
/// `@unchecked Sendable`: the process is guarded by `lock`.
public final class RedisSentinel: @unchecked Sendable {
    public static let defaultExecutable = "/usr/bin/redis-sentinel"

    public let host = "127.0.0.1"
    public let port: Int
    public let directory: URL
    /// `requirepass` of this Sentinel (and `sentinel-pass` towards the others), if any.
    public let password: String?
    /// TLS only, towards clients and the servers it monitors.
    public let tls: RedisServer.TLS?
    private let executable: String
    private let lock = NSLock()
    private var process: Process?

    /// Another Sentinel of the same master, so that they know each other from the start
    /// rather than after their first hello messages (seconds).
    public struct Peer: Sendable {
        public let port: Int
        /// `sentinel myid`: 40 hex digits.
        public let id: String

        public init(port: Int, id: String) {
            self.port = port
            self.id = id
        }

        /// A free port and a fresh id.
        public static func make() throws -> Peer {
            let hex = (0..<40).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
            return Peer(port: try FreePort.loopback(), id: hex)
        }
    }

    /// - Parameters:
    ///   - downAfterMs: `down-after-milliseconds`: how long the master may be silent.
    ///   - failoverTimeoutMs: `failover-timeout`.
    ///   - identity: this Sentinel's port and id (default: fresh ones).
    ///   - peers: the other Sentinels (`known-sentinel`).
    ///   - replicaPorts: the master's replicas on loopback (`known-replica`).
    public init(
        monitoring masterName: String, masterHost: String = "127.0.0.1", masterPort: Int, quorum: Int = 2,
        downAfterMs: Int = 1_000, failoverTimeoutMs: Int = 5_000, password: String? = nil,
        identity: Peer? = nil, peers: [Peer] = [], replicaPorts: [Int] = [], tls: RedisServer.TLS? = nil,
        executable: String = RedisSentinel.defaultExecutable
    ) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw RedisServerError.notInstalled(executable)
        }
        self.executable = executable
        self.password = password
        self.tls = tls
        let identity = try identity ?? Peer.make()
        port = identity.port
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sentinel-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var lines = tls.map {
            [
                "port 0", "tls-port \(port)", "tls-cert-file \($0.certFile)", "tls-key-file \($0.keyFile)",
                "tls-ca-cert-file \($0.caFile)", "tls-auth-clients no", "tls-replication yes",
            ]
        } ?? ["port \(port)"]
        lines += [
            "bind \(host)",
            "daemonize no",
            "dir \(directory.path)",
            "sentinel resolve-hostnames no",
            "sentinel monitor \(masterName) \(masterHost) \(masterPort) \(quorum)",
            "sentinel down-after-milliseconds \(masterName) \(downAfterMs)",
            "sentinel failover-timeout \(masterName) \(failoverTimeoutMs)",
            "sentinel parallel-syncs \(masterName) 1",
        ]
        lines.append("sentinel myid \(identity.id)")
        lines += peers.map { "sentinel known-sentinel \(masterName) \(host) \($0.port) \($0.id)" }
        lines += replicaPorts.map { "sentinel known-replica \(masterName) \(host) \($0)" }
        if let password {
            lines += ["requirepass \(password)", "sentinel sentinel-pass \(password)"]
        }
        try (lines.joined(separator: "\n") + "\n").write(to: configFile, atomically: true, encoding: .utf8)
        try launch()
    }

    deinit {
        stop()
    }

    public var address: RedisHostAndPort { RedisHostAndPort(host: host, port: port) }

    /// The Sentinel's log, for diagnosing a failed test.
    public var log: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    /// A connection to this Sentinel (authenticated when it has a password).
    public func connect() throws -> RedisConnection {
        let connection = RedisConnection(
            endpoint: RedisEndpoint(
                host: host, port: port, tls: tls?.client, username: "", password: password ?? "", connectTimeoutMs: 1_000),
            responseTimeoutMs: 2_000)
        try connection.connect()
        return connection
    }

    /// `SENTINEL MASTER name` as a dictionary (`ip`, `port`, `num-slaves`, `num-other-sentinels`, …).
    public func master(_ name: String) throws -> [String: String] {
        let connection = try connect()
        defer { connection.close() }
        let fields = try connection.command(["SENTINEL", "MASTER", name]).array ?? []
        var info: [String: String] = [:]
        var index = 0
        while index + 1 < fields.count {
            if let key = fields[index].string, let value = fields[index + 1].string { info[key] = value }
            index += 2
        }
        return info
    }

    /// `SENTINEL get-master-addr-by-name`.
    public func masterAddress(_ name: String) throws -> RedisHostAndPort? {
        let connection = try connect()
        defer { connection.close() }
        guard let fields = try connection.command(["SENTINEL", "get-master-addr-by-name", name]).array, fields.count == 2,
              let host = fields[0].string, let port = fields[1].string.flatMap({ Int($0) })
        else { return nil }
        return RedisHostAndPort(host: host, port: port)
    }

    /// SIGTERM, wait, remove the directory. Idempotent.
    public func stop() {
        let running: Process? = lock.withLock {
            defer { process = nil }
            return process
        }
        if let running {
            if running.isRunning { Foundation.kill(running.processIdentifier, SIGTERM) }
            if !RedisServer.waitForExit(running, timeoutMs: 10_000) {
                Foundation.kill(running.processIdentifier, SIGKILL)
                _ = RedisServer.waitForExit(running, timeoutMs: 10_000)
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - Process

    private var configFile: URL { directory.appendingPathComponent("sentinel.conf") }
    private var logFile: URL { directory.appendingPathComponent("sentinel.log") }

    private func launch() throws {
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let output = try FileHandle(forWritingTo: logFile)
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [configFile.path]
        process.currentDirectoryURL = directory
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try SignalMask.runWithDefaultMask { try process.run() }
        lock.withLock { self.process = process }

        // Bounded polling of PING: a refused connection means "not listening yet".
        var lastError = "no attempt"
        for _ in 0..<300 {
            guard process.isRunning else {
                throw RedisServerError.launch("redis-sentinel exited with status \(process.terminationStatus). Log:\n\(log)")
            }
            do {
                let connection = try connect()
                let reply = try connection.command(["PING"])
                connection.close()
                if reply == .status("PONG") { return }
                lastError = "PING answered \(reply)"
            } catch {
                lastError = "\(error)"
            }
            usleep(10_000)  // The polling interval, not a synchronisation.
        }
        stop()
        throw RedisServerError.launch("redis-sentinel on port \(port) did not answer PING (\(lastError))")
    }
}
