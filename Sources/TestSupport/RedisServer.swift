import Foundation
import RedisStreams

/// A real, private `redis-server` for tests: Debian's binary on a free loopback port,
/// in a fresh temporary directory.
///
/// Started in `init`, ready (it answered PING) when `init` returns. `kill()` simulates a
/// crash, `stop()` a clean shutdown; `restart()` brings it back on the same port and in
/// the same directory, so with `persistence: .appendOnly` every acknowledged write
/// survives even a `kill()`. The directory is removed by `stop()` and `deinit`.
///
/// `@unchecked Sendable`: all mutable state (the process) is guarded by `lock`, so tests
/// may kill or restart the server from any task.
public final class RedisServer: @unchecked Sendable {
    public enum Persistence: Sendable {
        /// `--save "" --appendonly no`: a restart comes back empty.
        case none
        /// `--appendonly yes --appendfsync always`: every acknowledged write survives a kill.
        case appendOnly
    }

    /// TLS only (`--port 0 --tls-port <port>`): the server's files, and how a client
    /// that should succeed connects (used for the readiness check and `endpoint`).
    public struct TLS: Sendable {
        public var certFile: String
        public var keyFile: String
        /// The CA that signs client certificates (required by redis-server even when
        /// clients are not asked for one).
        public var caFile: String
        /// `--tls-auth-clients yes`: mutual TLS.
        public var requireClientCertificates: Bool
        public var client: RedisTLSSettings

        public init(certFile: String, keyFile: String, caFile: String, requireClientCertificates: Bool, client: RedisTLSSettings) {
            self.certFile = certFile
            self.keyFile = keyFile
            self.caFile = caFile
            self.requireClientCertificates = requireClientCertificates
            self.client = client
        }
    }

    public static let defaultExecutable = "/usr/bin/redis-server"

    public let host = "127.0.0.1"
    public let port: Int
    public let directory: URL
    public let persistence: Persistence
    public let tls: TLS?
    /// Also listening on `socketPath` (mode 700).
    public let listensOnUnixSocket: Bool
    private let executable: String
    private let extraArguments: [String]
    private let lock = NSLock()
    private var process: Process?

    /// - Parameters:
    ///   - extraArguments: more `redis-server` options, e.g. `["--requirepass", "x"]`.
    ///   - tls: serve TLS only, on `port`.
    ///   - unixSocket: also listen on `socketPath`.
    public init(
        persistence: Persistence = .none,
        extraArguments: [String] = [],
        tls: TLS? = nil,
        unixSocket: Bool = false,
        executable: String = RedisServer.defaultExecutable
    ) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw RedisServerError.notInstalled(executable)
        }
        self.executable = executable
        self.persistence = persistence
        self.extraArguments = extraArguments
        self.tls = tls
        self.listensOnUnixSocket = unixSocket
        self.port = try FreePort.loopback()
        self.directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("redis-test-\(UUID().uuidString)", isDirectory: true)
        try launch()
    }

    deinit {
        stop()
    }

    /// An endpoint for the default user of this server (over TLS when it serves TLS).
    public var endpoint: RedisEndpoint {
        RedisEndpoint(host: host, port: port, tls: tls?.client)
    }

    /// The unix socket, when `unixSocket` was asked for.
    public var socketPath: String {
        directory.appendingPathComponent("redis.sock").path
    }

    public var isRunning: Bool {
        lock.withLock { process?.isRunning ?? false }
    }

    /// The redis-server log (its stdout), for diagnosing a failed test.
    public var log: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    /// SIGTERM, wait for exit, remove the directory. Idempotent.
    public func stop() {
        terminate(signal: SIGTERM)
        removeDirectory()
    }

    /// Removes the directory, retrying briefly: an append-only-file rewrite child that
    /// outlives its server by a moment may still be deleting its temporary files, which
    /// makes a single recursive removal fail and leave the directory behind.
    private func removeDirectory() {
        for _ in 0..<50 {
            try? FileManager.default.removeItem(at: directory)
            if !FileManager.default.fileExists(atPath: directory.path) { return }
            usleep(20_000)  // Bounded retries of a removal, not synchronisation.
        }
    }

    /// SIGKILL and wait: a crash. The directory (and what was persisted) stays for `restart()`.
    public func kill() {
        terminate(signal: SIGKILL)
    }

    /// Starts again on the same port and directory (after `kill()`, or stops cleanly first,
    /// keeping the data). Returns once it answers PING. After `stop()` the directory is
    /// gone and the server starts empty.
    public func restart() throws {
        terminate(signal: SIGTERM)
        try launch()
    }

    // MARK: - Process

    private var logFile: URL { directory.appendingPathComponent("redis.log") }

    private var arguments: [String] {
        var arguments: [String] = []
        if let tls {
            arguments += [
                "--port", "0", "--tls-port", String(port),
                "--tls-cert-file", tls.certFile, "--tls-key-file", tls.keyFile, "--tls-ca-cert-file", tls.caFile,
                "--tls-auth-clients", tls.requireClientCertificates ? "yes" : "no",
            ]
        } else {
            arguments += ["--port", String(port)]
        }
        if listensOnUnixSocket {
            arguments += ["--unixsocket", socketPath, "--unixsocketperm", "700"]
        }
        arguments += [
            "--bind", host,
            "--dir", directory.path,
            "--daemonize", "no",
            "--save", "",
        ]
        switch persistence {
        case .none:
            arguments += ["--appendonly", "no"]
        case .appendOnly:
            arguments += ["--appendonly", "yes", "--appendfsync", "always"]
        }
        return arguments + extraArguments
    }

    private func launch() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: logFile.path) {
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        }
        let output = try FileHandle(forWritingTo: logFile)
        output.seekToEndOfFile()
        defer { try? output.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try SignalMask.runWithDefaultMask { try process.run() }
        lock.withLock { self.process = process }
        try waitUntilReady(process)
    }

    /// Sends `signal`, waits for the exit; escalates to SIGKILL if a SIGTERM is not
    /// obeyed within 10 s, so a test never hangs on a stuck server.
    private func terminate(signal: Int32) {
        let running: Process? = lock.withLock {
            defer { process = nil }
            return process
        }
        guard let running else { return }
        if running.isRunning {
            Foundation.kill(running.processIdentifier, signal)
        }
        if !Self.waitForExit(running, timeoutMs: 10_000), signal != SIGKILL {
            Foundation.kill(running.processIdentifier, SIGKILL)
            _ = Self.waitForExit(running, timeoutMs: 10_000)
        }
    }

    /// Polls `isRunning` (updated by Foundation when it reaps the child) with a deadline.
    /// `waitUntilExit()` has no timeout and spins the caller's run loop.
    static func waitForExit(_ process: Process, timeoutMs: Int) -> Bool {
        let deadline = Date(timeIntervalSinceNow: Double(timeoutMs) / 1000)
        while process.isRunning {
            if Date() >= deadline { return false }
            usleep(2_000)
        }
        return true
    }

    /// Polls PING with bounded retries: a refused connection means "not listening yet".
    private func waitUntilReady(_ process: Process) throws {
        var endpoint = self.endpoint
        endpoint.connectTimeoutMs = 1_000
        let attempts = 500
        var delayMs = 1
        var lastError = "no attempt"
        for _ in 0..<attempts {
            guard process.isRunning else {
                throw RedisServerError.launch("exited with status \(process.terminationStatus) on port \(port). Log:\n\(log)")
            }
            let connection = RedisConnection(endpoint: endpoint, responseTimeoutMs: 1_000)
            do {
                try connection.connect()
                let reply = try connection.command(["PING"])
                connection.close()
                if reply == .status("PONG") { return }
                lastError = "PING answered \(reply)"
            } catch .server(let message) where message.hasPrefix("NOAUTH") {
                // Up, and protected by `--requirepass` in `extraArguments`.
                return
            } catch {
                // Refused (not listening yet) or `-LOADING` (reading its AOF): retry.
                lastError = "\(error)"
            }
            // Not a synchronisation sleep: the pause between bounded retries of a poll.
            usleep(useconds_t(delayMs * 1_000))
            delayMs = min(delayMs * 2, 20)
        }
        terminate(signal: SIGKILL)
        throw RedisServerError.launch("no PONG on port \(port) after \(attempts) attempts (\(lastError)). Log:\n\(log)")
    }
}
