import IPC
import Logging

/// Everything the ``Supervisor`` needs that does not come from the configuration file.
public struct SupervisorOptions: Sendable {
    /// The worker binary. `nil`: this process's own executable, resolved once from
    /// `/proc/self/exe` at init, so that a reload after a package upgrade spawns the new
    /// binary on disk rather than the deleted old inode.
    public var executablePath: String?
    /// Arguments after the executable, e.g. `["worker"]`. With socket activation
    /// `--listen-fd 4` is appended.
    public var workerArguments: [String]
    /// Reads and validates the configuration. Called at start (a throw ends ``Supervisor/run()``
    /// with status 1) and on every reload (a throw keeps the running generation).
    public var loadSettings: @Sendable () throws -> SupervisorSettings
    public var logger: Logger

    /// Allowance over `redisStreamReadBlockMs` before a reader counts as hung.
    public var readerProgressMarginMs: Int64 = 5_000
    /// Between `SIGABRT` (hung worker) or `stop` and `SIGKILL`.
    public var killGraceMs: Int64 = 2_000
    /// Extra time after a drain deadline before `SIGKILL`.
    public var drainKillGraceMs: Int64 = 1_000
    /// How often `STATUS=` is refreshed (it is also sent on every state change).
    public var statusIntervalMs: Int64 = 2_000
    /// How long a reload waits for the whole new generation to be ready.
    public var reloadReadyTimeoutMs: Int64 = 60_000
    public var restartBackoff = RestartBackoff()
    /// Take a listening socket passed by systemd socket activation (`LISTEN_FDS`) and
    /// hand it to every worker as fd 4.
    public var useSocketActivation = true
    /// Where `READY=1`, `STATUS=`, `WATCHDOG=1`... go. Default: `sd_notify`.
    public var notifier: any SystemdNotifying = SystemdNotifier()
    /// Called on the supervisor's loop with every heartbeat (e.g. to collect timer
    /// samples for StatsD). Must not block.
    public var onHeartbeat: (@Sendable (_ pid: Int32, _ heartbeat: Heartbeat) -> Void)?

    public init(
        executablePath: String? = nil,
        workerArguments: [String] = ["worker"],
        logger: Logger,
        loadSettings: @escaping @Sendable () throws -> SupervisorSettings
    ) {
        self.executablePath = executablePath
        self.workerArguments = workerArguments
        self.logger = logger
        self.loadSettings = loadSettings
    }
}
