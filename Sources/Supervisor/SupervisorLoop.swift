import Glibc
import IPC
import Logging
import MonotonicTime
import ServiceStatus

/// The supervisor's single-threaded `poll()` loop: it watches signals, worker links and
/// children, turns what it sees into ``SupervisorEvent``s for the
/// ``SupervisorStateMachine`` and carries out the ``SupervisorAction``s that come back.
/// Every decision is the machine's; the loop owns only descriptors and processes.
///
/// Everything here runs on the thread that called ``Supervisor/run()``; nothing is
/// shared, so nothing is locked. A pass runs at least every ``tickMs``.
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

    private var machine: SupervisorStateMachine
    /// The link of every spawned, not yet reaped worker.
    private var links: [pid_t: WorkerConnection] = [:]
    private var exit: SupervisorExit?

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
        let listeners = try Self.listeners(for: settings, activated: activatedListenerFD, pool: listenerPool)
        self.machine = SupervisorStateMachine(
            configuration: .init(options: options, watchdogIntervalUs: options.notifier.watchdogIntervalUs()),
            settings: settings, listeners: listeners, now: MonotonicClock.milliseconds())
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
        logger.info("starting \(machine.current.settings.workerCount) worker(s): \(spawner.executablePath) \(spawner.arguments.joined(separator: " "))")
        process(.start, at: MonotonicClock.milliseconds())
        while exit == nil {
            waitForEvents(now: MonotonicClock.milliseconds())
            let afterWait = MonotonicClock.milliseconds()
            for signal in signals.drain() { process(.signal(signal), at: afterWait) }
            reapChildren(now: afterWait)
            process(.tick, at: afterWait)
            publishSnapshot(now: afterWait)
        }
        publishSnapshot(now: MonotonicClock.milliseconds())
        return exit ?? .stopped
    }

    /// Releases descriptors once `run()` returned.
    func closeAll() {
        links.values.forEach { $0.close() }
        listenerPool.closeAll()
    }

    // MARK: - Events in, actions out

    /// Feeds `event` to the machine and carries out its actions; an action with a result
    /// (a spawn, a reload's configuration) is answered at once, and what the machine
    /// then asks for runs next.
    private func process(_ event: SupervisorEvent, at now: Int64) {
        var actions = machine.handle(event, at: now)
        var index = 0
        while index < actions.count {
            if let result = perform(actions[index]) {
                actions += machine.handle(result, at: now)
            }
            index += 1
        }
    }

    private func perform(_ action: SupervisorAction) -> SupervisorEvent? {
        switch action {
        case let .spawn(generation, slot, listenerFD):
            return spawn(generation: generation, slot: slot, listenerFD: listenerFD)
        case let .send(message, pid):
            links[pid]?.send(message)
        case let .signal(signal, pid):
            kill(pid, signal)
        case let .notify(notification):
            notifier.notify(notification.datagram)
        case .loadReloadConfiguration:
            return loadReloadConfiguration()
        case let .retainListeners(listeners):
            listenerPool.retainOnly(listeners)
        case let .log(level, message):
            logger.log(level: level, "\(message)")
        case let .exit(exit):
            self.exit = exit
        }
        return nil
    }

    private func spawn(generation: Int, slot: Int, listenerFD: Int32?) -> SupervisorEvent {
        do {
            let spawned = try spawner.spawn(listenerFD: listenerFD)
            links[spawned.pid] = WorkerConnection(fd: spawned.linkFD)
            return .spawned(generation: generation, slot: slot, pid: spawned.pid, startedAtEpochMs: WallClock.epochMilliseconds())
        } catch {
            return .spawnFailed(generation: generation, slot: slot, reason: error.reason)
        }
    }

    /// Re-reads the configuration and binds its listeners; the binary now on disk must
    /// still be runnable.
    private func loadReloadConfiguration() -> SupervisorEvent {
        let settings: SupervisorSettings
        do {
            settings = try options.loadSettings()
        } catch {
            return .reloadConfigurationRejected(reason: "invalid configuration: \(error)")
        }
        if let problem = settings.validationError() {
            return .reloadConfigurationRejected(reason: "invalid configuration: \(problem)")
        }
        if let problem = ExecutablePath.problem(with: spawner.executablePath) {
            return .reloadConfigurationRejected(reason: problem)
        }
        do {
            let listeners = try Self.listeners(for: settings, activated: activatedListenerFD, pool: listenerPool)
            return .reloadConfigurationLoaded(settings, listeners: listeners)
        } catch {
            return .reloadConfigurationRejected(reason: error.reason)
        }
    }

    // MARK: - poll()

    private func waitForEvents(now: Int64) {
        let timeout = machine.pollTimeoutMs(now: now, tickMs: Self.tickMs)
        let watched = links.filter { $0.value.isOpen }.sorted { $0.key < $1.key }
        var descriptors = [pollfd(fd: signals.readFD, events: Int16(POLLIN), revents: 0)]
        for (_, link) in watched {
            let events = Int16(POLLIN) | (link.wantsWrite ? Int16(POLLOUT) : 0)
            descriptors.append(pollfd(fd: link.fd, events: events, revents: 0))
        }
        let ready = poll(&descriptors, nfds_t(descriptors.count), Int32(timeout))
        guard ready > 0 else { return }  // timeout, or EINTR (a signal: the pipe has it)

        let afterWait = MonotonicClock.milliseconds()
        for (offset, (pid, link)) in watched.enumerated() {
            let revents = descriptors[offset + 1].revents
            if revents & Int16(POLLOUT) != 0 { link.flush() }
            if revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0 {
                let (input, ended) = read(link, of: pid)
                process(.received(input, from: pid), at: afterWait)
                if ended { link.close() }
            }
        }
    }

    /// What a worker sent; `ended` when the link is finished (EOF or broken). Heartbeats
    /// also go to ``SupervisorOptions/onHeartbeat``.
    private func read(_ link: WorkerConnection, of pid: pid_t) -> (input: LinkInput, ended: Bool) {
        let result = link.readAvailable()
        var input = LinkInput(messages: result.messages)
        for case let .heartbeat(heartbeat) in result.messages {
            options.onHeartbeat?(pid, heartbeat)
        }
        switch result.end {
        case nil:
            return (input, false)
        case .closed:
            // The exit follows (SIGCHLD); if it does not, the heartbeat timeout will tell.
            return (input, true)
        case let .failed(error):
            input.failure = "\(error)"
            return (input, true)
        }
    }

    /// `waitpid(-1, WNOHANG)` until nothing is left to reap.
    private func reapChildren(now: Int64) {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid < 0, errno == EINTR { continue }
            guard pid > 0 else { return }
            guard let link = links.removeValue(forKey: pid) else { continue }
            let (lastWords, _) = read(link, of: pid)
            process(.exited(pid: pid, waitStatus: status, lastWords: lastWords), at: now)
            link.close()
        }
    }

    private func publishSnapshot(now: Int64) {
        publish(machine.snapshot(now: now, supervisorPID: getpid(), stopped: exit != nil))
    }
}

extension SupervisorStateMachine.Configuration {
    init(options: SupervisorOptions, watchdogIntervalUs: UInt64?) {
        self.init(
            killGraceMs: options.killGraceMs,
            drainKillGraceMs: options.drainKillGraceMs,
            statusIntervalMs: options.statusIntervalMs,
            reloadReadyTimeoutMs: options.reloadReadyTimeoutMs,
            readerProgressMarginMs: options.readerProgressMarginMs,
            restartBackoff: options.restartBackoff,
            // Ping at half the interval systemd expects, as sd_watchdog_enabled(3) advises.
            watchdogIntervalMs: watchdogIntervalUs.map { max(1, Int64($0 / 2_000)) })
    }
}

extension SystemdNotification {
    /// The `sd_notify` datagram.
    var datagram: String {
        switch self {
        case let .ready(status): "READY=1\nSTATUS=\(status)"
        case .reloading: "RELOADING=1\nMONOTONIC_USEC=\(MonotonicClock.microseconds())"
        case let .stopping(status): "STOPPING=1\nSTATUS=\(status)"
        case .watchdog: "WATCHDOG=1"
        case let .status(status): "STATUS=\(status)"
        }
    }
}
