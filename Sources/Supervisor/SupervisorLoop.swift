import Glibc
import IPC
import Logging

/// The supervisor's single-threaded `poll()` loop and all of its mutable state.
///
/// Everything here runs on the thread that called ``Supervisor/run()``; nothing is
/// shared, so nothing is locked. Signals arrive through the ``SignalPipe``; workers'
/// messages through their ``WorkerConnection``s; time-based duties (heartbeat checks,
/// kill deadlines, respawns, watchdog, `STATUS=`) run on every pass, at least every
/// ``tickMs``.
///
/// The spawning thread must outlive the workers: `PR_SET_PDEATHSIG` fires when the
/// *thread* that spawned a worker exits. Here it is the `run()` thread, which returns
/// only once every worker is gone.
final class SupervisorLoop {
    static let tickMs: Int64 = 100

    let options: SupervisorOptions
    let logger: Logger
    let spawner: WorkerSpawner
    /// A socket passed by systemd: shared by every worker of every generation.
    let activatedListenerFD: Int32?
    /// Sockets the supervisor bound (``SupervisorSettings/listenAddress``).
    let listenerPool = ListenerPool()
    let signals: SignalPipe
    let notifier: any SystemdNotifying
    let publish: (SupervisorSnapshot) -> Void

    var lifecycle: Lifecycle = .starting
    /// The serving generation (during `starting`, the booting one).
    var current: Generation
    /// Every spawned, not yet reaped worker, whatever its generation or phase.
    var processes: [pid_t: WorkerProcess] = [:]
    /// A reload asked for while starting or reloading; run when that ends.
    var pendingReload = false
    /// Why the last reload was rejected, until one succeeds (shown in `STATUS=`).
    var lastReloadError: String?
    /// Why the service is halting, when it is (shown in `STATUS=`).
    var failureReason: String?

    var counters = CounterAggregator()
    var eventsRate = RateMeter()
    var eventsPerSecond: Double?
    var statusDirty = true
    var nextStatusAt: Int64 = 0
    let watchdogIntervalMs: Int64?
    var nextWatchdogAt: Int64 = 0
    var watchdogWithheld = false

    /// Binds the first generation's listeners, if the supervisor is to own them.
    init(
        options: SupervisorOptions,
        settings: SupervisorSettings,
        spawner: WorkerSpawner,
        activatedListenerFD: Int32?,
        signals: SignalPipe,
        publish: @escaping (SupervisorSnapshot) -> Void
    ) throws(SupervisorExit) {
        self.options = options
        self.logger = options.logger
        self.spawner = spawner
        self.activatedListenerFD = activatedListenerFD
        self.signals = signals
        self.notifier = options.notifier
        self.publish = publish
        let now = MonotonicMilliseconds.now()
        let listeners = try Self.listeners(for: settings, activated: activatedListenerFD, pool: listenerPool)
        self.current = Generation(number: 1, settings: settings, listeners: listeners, now: now)
        // Ping at half the interval systemd expects, as sd_watchdog_enabled(3) advises.
        self.watchdogIntervalMs = notifier.watchdogIntervalUs().map { max(1, Int64($0 / 2_000)) }
    }

    /// Per-slot listeners for a generation: the activated socket for every slot, or the
    /// pool's sockets on the configured address, or none (workers bind).
    static func listeners(for settings: SupervisorSettings, activated: Int32?,
                          pool: ListenerPool) throws(SupervisorExit) -> [Int32] {
        if let activated { return Array(repeating: activated, count: settings.workerCount) }
        guard let address = settings.listenAddress else { return [] }
        return try pool.listeners(on: address, count: settings.workerCount)
    }

    /// Runs until the service stops; returns how.
    func run() -> SupervisorExit {
        let start = MonotonicMilliseconds.now()
        logger.info("starting \(current.settings.workerCount) worker(s): \(spawner.executablePath) \(spawner.arguments.joined(separator: " "))")
        spawnDueSlots(of: current, now: start)
        while true {
            let now = MonotonicMilliseconds.now()
            if let exit = finishedExit(now: now) {
                publishSnapshot(now: now, stopped: true)
                return exit
            }
            waitForEvents(now: now)
            let afterWait = MonotonicMilliseconds.now()
            handleSignals(signals.drain(), now: afterWait)
            reapChildren(now: afterWait)
            tick(now: afterWait)
            publishSnapshot(now: afterWait, stopped: false)
        }
    }

    /// Time-based duties, in dependency order: stale workers are condemned (which frees
    /// their slots) before respawning, and both before the watchdog judges health.
    func tick(now: Int64) {
        if case let .reloading(next, deadline) = lifecycle, now >= deadline {
            abandonReload("generation \(next.number) was not ready within \(options.reloadReadyTimeoutMs) ms", now: now)
        }
        checkHealth(now: now)
        enforceKillDeadlines(now: now)
        if case .stopping = lifecycle {} else {
            spawnDueSlots(of: current, now: now)
        }
        pingWatchdogIfDue(now: now)
        refreshStatusIfDue(now: now)
    }

    // MARK: - poll()

    private func waitForEvents(now: Int64) {
        var timeout = Self.tickMs
        if watchdogIntervalMs != nil { timeout = min(timeout, max(0, nextWatchdogAt - now)) }

        let watched = processes.values.filter { $0.connection.isOpen }
        var descriptors = [pollfd(fd: signals.readFD, events: Int16(POLLIN), revents: 0)]
        for process in watched {
            let events = Int16(POLLIN) | (process.connection.wantsWrite ? Int16(POLLOUT) : 0)
            descriptors.append(pollfd(fd: process.connection.fd, events: events, revents: 0))
        }
        let ready = poll(&descriptors, nfds_t(descriptors.count), Int32(timeout))
        guard ready > 0 else { return }  // timeout, or EINTR (a signal: the pipe has it)

        let afterWait = MonotonicMilliseconds.now()
        for (offset, process) in watched.enumerated() {
            let revents = descriptors[offset + 1].revents
            if revents & Int16(POLLOUT) != 0 { process.connection.flush() }
            if revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0 {
                readMessages(from: process, now: afterWait)
            }
        }
    }

    // MARK: - Signals

    private func handleSignals(_ received: [Int32], now: Int64) {
        for signal in received {
            switch signal {
            case SIGTERM:
                logger.notice("SIGTERM: stopping")
                beginStop(.stopped, drain: true, now: now)
            case SIGINT:
                if case .stopping = lifecycle {
                    logger.warning("second SIGINT: killing every worker now")
                    processes.values.forEach { $0.forceKill() }
                } else {
                    logger.notice("SIGINT: stopping")
                    beginStop(.stopped, drain: true, now: now)
                }
            case SIGHUP:
                requestReload(now: now)
            default:
                break  // SIGCHLD: reaping runs on every pass anyway
            }
        }
    }

    // MARK: - Finishing

    private func finishedExit(now: Int64) -> SupervisorExit? {
        guard case let .stopping(deadline, exit) = lifecycle else { return nil }
        if processes.isEmpty {
            logger.notice("all workers exited: \(exit)")
            return exit
        }
        guard now >= deadline else { return nil }
        let left = processes.keys.sorted().map(String.init).joined(separator: ", ")
        logger.error("workers \(left) did not exit in time; giving up on them")
        processes.values.forEach { $0.forceKill() }
        return exit
    }

    /// Releases descriptors once `run()` returned.
    func closeAll() {
        processes.values.forEach { $0.connection.close() }
        listenerPool.closeAll()
    }
}
