import Config
import Foundation

/// The real `superset-websocket serve` as a child process, configured by a JSON file in
/// its own directory: the one launcher of the service under test for the end-to-end
/// tests, the chaos test and the benchmark driver.
///
/// The caller's configuration variables (`PORT`, `REDIS_*`, `JWT_SECRET`…) and systemd's
/// (`NOTIFY_SOCKET`, `WATCHDOG_*`, `LISTEN_*`) are cleared, so only the file and
/// `environment` decide what runs. With `notify`, the service gets a `NotifySocket` of
/// its own as `NOTIFY_SOCKET`.
public final class ServiceLauncher: @unchecked Sendable {
    // @unchecked: `child`, `config` and `stopped` are guarded by `lock`; the rest is immutable.

    public let binary: String
    public let directory: String
    public let configPath: String
    public let logPath: String
    public let notify: NotifySocket?
    private let environment: [String: String]
    private let lock = NSLock()
    private var child: ChildProcess?
    private var currentConfig: [String: Any]
    private var stopped = false

    /// Creates `directory` and writes the config; `start()` runs the service.
    /// - Parameters:
    ///   - environment: added to the cleaned environment (e.g. `WATCHDOG_USEC`).
    ///   - notify: give the service a `NOTIFY_SOCKET` (see `notify`).
    public init(
        binary: String = ServiceLauncher.binaryNextToThisProcess(), directory: String, config: [String: Any],
        environment: [String: String] = [:], notify: Bool = true,
        onDatagram: (@Sendable (NotifySocket.Datagram) -> Void)? = nil
    ) throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw ChildProcess.Failure("no superset-websocket binary at \(binary) (build it first)")
        }
        self.binary = binary
        self.directory = directory
        configPath = directory + "/config.json"
        logPath = directory + "/service.log"
        self.environment = environment
        currentConfig = config
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.notify = notify ? try NotifySocket(directory: directory, onDatagram: onDatagram) : nil
        try writeConfig(config)
    }

    /// `superset-websocket` (or `name`) in the directory of the running executable: where
    /// SwiftPM puts every product and test bundle of one build.
    public static func binaryNextToThisProcess(named name: String = "superset-websocket") -> String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent(name).path
    }

    /// Starts `serve --config <configPath>` (once).
    public func start() throws {
        var environment = ProcessInfo.processInfo.environment
        let cleared = Set(ConfigEnvironment.variableNames + ["NOTIFY_SOCKET", "MAINPID"])
        for key in environment.keys where cleared.contains(key) || key.hasPrefix("WATCHDOG_") || key.hasPrefix("LISTEN_") {
            environment[key] = nil
        }
        environment.merge(self.environment) { _, new in new }
        if let notify { environment["NOTIFY_SOCKET"] = notify.path }
        let child = try ChildProcess(
            name: "superset-websocket", executable: binary, arguments: ["serve", "--config", configPath],
            environment: environment, logPath: logPath)
        lock.withLock { self.child = child }
    }

    public var config: [String: Any] { lock.withLock { currentConfig } }

    /// The supervisor's pid (0 before `start()`).
    public var pid: Int32 { lock.withLock { child?.pid ?? 0 } }

    public var isRunning: Bool { lock.withLock { child?.isRunning ?? false } }

    /// Its exit status once it has exited.
    public var exitStatus: Int32? { lock.withLock { child?.exitStatus } }

    /// The live worker processes.
    public var workers: Set<Int32> {
        guard isRunning else { return [] }
        return ProcessTable.children(of: pid, running: "worker")
    }

    /// What the service wrote to stderr so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// How many times the service's log says `text` (e.g. every worker logs
    /// "firehose resolved" once it reads).
    public func logCount(of text: String) -> Int { log.components(separatedBy: text).count - 1 }

    public func signal(_ number: Int32) {
        lock.withLock { child }?.signal(number)
    }

    /// Awaits the supervisor's exit; nil if it still runs after `timeout`.
    public func exit(within timeout: Duration) async -> Int32? {
        guard let child = lock.withLock({ child }) else { return nil }
        return await child.exit(within: timeout)
    }

    /// Blocks until the supervisor exits; nil if it still runs after `seconds`.
    public func waitForExit(seconds: Double) -> Int32? {
        lock.withLock { child }?.waitForExit(seconds: seconds)
    }

    public func writeConfig(_ config: [String: Any]) throws {
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: configPath))
        lock.withLock { currentConfig = config }
    }

    /// Merges `changes` over the current config and writes it (top-level keys).
    public func updateConfig(_ changes: [String: Any]) throws {
        try writeConfig(config.merging(changes) { _, new in new })
    }

    /// Writes `text` as the config file, as is (to test a broken file).
    public func writeRawConfig(_ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: configPath))
    }

    /// Stops the service whatever state its processes are in: resumes stopped ones,
    /// SIGTERM, SIGKILL after `graceSeconds`, kills any worker left; stops the notify
    /// socket. Idempotent and safe from any thread. Leaves the directory (see `remove()`).
    public func stop(graceSeconds: Double = 5) {
        let (first, child): (Bool, ChildProcess?) = lock.withLock {
            defer { stopped = true }
            return (!stopped, self.child)
        }
        guard first else { return }
        if let child, child.isRunning {
            let workers = ProcessTable.children(of: child.pid, running: "worker")
            child.signal(SIGCONT)
            for worker in workers { kill(worker, SIGCONT) }
            child.stop(graceSeconds: graceSeconds)
            for worker in workers where ProcessTable.isAlive(worker) { kill(worker, SIGKILL) }
        }
        notify?.stop()
    }

    /// Stops it and removes its directory.
    public func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
