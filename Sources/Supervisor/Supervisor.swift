import Glibc
import IPC
import Logging
import ServiceStatus
import Synchronization

/// The service's main process: spawns one worker per slot, watches them, replaces the
/// ones that die or hang, reloads on `SIGHUP`, drains on `SIGTERM`, and is the only
/// process that talks to systemd.
///
/// ```swift
/// let supervisor = Supervisor(options: SupervisorOptions(logger: logger) { try loadSettings() })
/// let exit = supervisor.run()   // blocks this thread until the service stops
/// Glibc.exit(exit.status)
/// ```
///
/// One per process: it installs process-wide handlers for `SIGTERM`, `SIGINT`, `SIGHUP`,
/// `SIGCHLD` (and ignores `SIGPIPE`), and reaps every child with `waitpid(-1)`, so the
/// supervisor process must not start other children through APIs that reap their own
/// (`Foundation.Process`). The thread calling ``run()`` spawns the workers and must stay
/// alive while they run (`PR_SET_PDEATHSIG` follows the spawning thread); `run()` only
/// returns once they are gone.
///
/// Listening sockets: with ``SupervisorSettings/listenAddress`` set, the supervisor binds
/// one `SO_REUSEPORT` socket per slot and workers get theirs as fd 4 (`--listen-fd 4`), so
/// a reload or a respawn loses no queued connection; under socket activation all workers
/// share systemd's socket the same way; otherwise each worker binds its own.
public final class Supervisor: Sendable {
    private let options: SupervisorOptions
    private let published = Mutex(SupervisorSnapshot.initial)
    private let hasRun = Mutex(false)

    public init(options: SupervisorOptions) {
        self.options = options
    }

    /// Runs the process tree on the calling thread until the service stops, and returns
    /// how it ended: status 0 after `SIGTERM`/`SIGINT`; non-zero when the configuration
    /// is invalid at start or a first-generation worker fails to boot (the reason says
    /// why). Call once.
    public func run() -> SupervisorExit {
        let firstRun = hasRun.withLock { hasRun in
            defer { hasRun = true }
            return !hasRun
        }
        guard firstRun else { return .failure("Supervisor.run() called twice") }
        let exit = start()
        if exit.status != 0 {
            // `systemctl status` shows why, next to the exit status.
            let reason = exit.reason.split(whereSeparator: \.isNewline).joined(separator: " ")
            options.notifier.notify("STATUS=failed: \(reason)")
        }
        publishStopped(exit)
        return exit
    }

    private func publishStopped(_ exit: SupervisorExit) {
        published.withLock { snapshot in
            snapshot.state = "stopped"
            snapshot.statusLine = exit.status == 0 ? "stopped" : "failed: \(exit.reason)"
        }
    }

    private func start() -> SupervisorExit {
        let logger = options.logger

        guard let executablePath = options.executablePath ?? ExecutablePath.resolveSelf() else {
            return .failure("cannot resolve /proc/self/exe")
        }
        if let problem = ExecutablePath.problem(with: executablePath) { return .failure(problem) }

        let settings: SupervisorSettings
        do {
            settings = try options.loadSettings()
        } catch {
            return .failure("invalid configuration: \(error)")
        }
        if let problem = settings.validationError() { return .failure("invalid configuration: \(problem)") }

        let signals: SignalPipe
        do {
            signals = try SignalPipe()
        } catch {
            return error
        }
        defer { signals.uninstall() }

        var listenerFD: Int32?
        if options.useSocketActivation {
            let activation = SocketActivation.takeListener()
            if let warning = activation.warning { logger.warning("\(warning)") }
            listenerFD = activation.fd
            if let fd = activation.fd { logger.info("using the socket-activated listener (fd \(fd) → workers' fd 4)") }
        }
        defer { if let listenerFD { close(listenerFD) } }

        let spawner = WorkerSpawner(executablePath: executablePath, arguments: options.workerArguments)
        let loop: SupervisorLoop
        do {
            loop = try SupervisorLoop(options: options, settings: settings, spawner: spawner,
                                      activatedListenerFD: listenerFD, signals: signals) {
                [self] snapshot in published.withLock { $0 = snapshot }
            }
        } catch {
            logger.critical("\(error.reason)")
            return error
        }
        let exit = loop.run()
        loop.closeAll()
        return exit
    }

    /// The latest view of the process tree (refreshed at least every 100 ms while running).
    /// Safe from any thread.
    public func snapshot() -> SupervisorSnapshot {
        published.withLock { $0 }
    }

    /// Same as `SIGHUP`. Safe from any thread while ``run()`` runs.
    public func requestReload() {
        SignalPipe.post(SIGHUP)
    }

    /// Same as `SIGTERM`. Safe from any thread while ``run()`` runs.
    public func requestStop() {
        SignalPipe.post(SIGTERM)
    }
}
