import Glibc
import IPC
import Logging

/// The supervisor's decisions, without I/O: no processes, sockets, clocks or signals.
///
/// Events go in (``handle(_:at:)``, with the time they happened at), actions come out
/// (``SupervisorAction``), in the style of swift-nio's
/// `NIOTypedHTTPServerUpgraderStateMachine`. The ``SupervisorLoop`` polls, turns what
/// it sees into events and carries out the actions; tests drive the machine with a
/// fake clock instead.
///
/// Some work is queued as ``Step``s and run after the event's own transitions: spawning
/// and loading a reload's configuration need a result from the outside world before the
/// machine can go on, so the machine stops at such an action and resumes its queue when
/// the loop feeds the result back. Steps queued while handling an event run before the
/// steps that were already waiting, which keeps the order of a nested call: a reload
/// started in the middle of a tick spawns its generation before the tick's respawns.
struct SupervisorStateMachine {
    /// The supervisor's fixed timings (``SupervisorOptions``) and systemd's watchdog.
    struct Configuration: Equatable {
        var killGraceMs: Int64 = 2_000
        var drainKillGraceMs: Int64 = 1_000
        var statusIntervalMs: Int64 = 2_000
        var reloadReadyTimeoutMs: Int64 = 60_000
        var readerProgressMarginMs: Int64 = 5_000
        var restartBackoff = RestartBackoff()
        /// How often to ping the watchdog: half systemd's interval, as
        /// sd_watchdog_enabled(3) advises; `nil` when the watchdog is off.
        var watchdogIntervalMs: Int64?
    }

    /// Deferred work; see the type's documentation.
    enum Step: Equatable {
        case loadReloadConfiguration
        /// Spawn into the vacant, due slots of a generation, from `fromSlot` on.
        case spawnDue(generation: Int, fromSlot: Int)
        case pingWatchdogAndRefreshStatus
        case finishIfDone
    }

    /// The outside-world result the machine waits for before running further steps.
    enum Awaited: Equatable {
        case spawn(generation: Int, slot: Int)
        case reloadConfiguration
    }

    let configuration: Configuration
    var lifecycle: Lifecycle = .starting
    /// The serving generation (during `starting`, the booting one).
    var current: Generation
    /// The generation a reload is booting; set only while `reloading`.
    var next: Generation?
    /// Every spawned, not yet reaped worker, whatever its generation or phase.
    var workers: [pid_t: WorkerProcess] = [:]
    /// A reload asked for while starting or reloading; run when that ends.
    var pendingReload = false
    /// Why the last reload was rejected, until one succeeds (shown in `STATUS=`).
    var lastReloadError: String?
    /// Why the service is halting, when it is (shown in `STATUS=`).
    var failureReason: String?
    /// Set once ``SupervisorAction/exit(_:)`` was emitted.
    var exit: SupervisorExit?

    var counters = CounterAggregator()
    var eventsRate = RateMeter()
    var eventsPerSecond: Double?
    var statusDirty = true
    var nextStatusAt: Int64 = 0
    var nextWatchdogAt: Int64 = 0
    var watchdogWithheld = false

    private(set) var steps: [Step] = []
    private(set) var awaited: Awaited?
    /// Actions of the event being handled.
    private var outbox: [SupervisorAction] = []
    /// When the event being handled happened.
    private(set) var now: Int64

    init(configuration: Configuration, settings: SupervisorSettings, listeners: [Int32], now: Int64) {
        self.configuration = configuration
        self.current = Generation(number: 1, settings: settings, listeners: listeners, now: now)
        self.now = now
    }

    /// Applies `event`, which happened at monotonic time `now` (ms), and returns what to
    /// do, in order.
    mutating func handle(_ event: SupervisorEvent, at now: Int64) -> [SupervisorAction] {
        self.now = now
        let waiting = steps
        steps = []
        switch event {
        case .start:
            schedule(.spawnDue(generation: current.number, fromSlot: 0))
            schedule(.finishIfDone)
        case let .spawned(generation, slot, pid, startedAtEpochMs):
            resolve(.spawn(generation: generation, slot: slot))
            registerSpawn(generation: generation, slot: slot, pid: pid, startedAtEpochMs: startedAtEpochMs)
        case let .spawnFailed(generation, slot, reason):
            resolve(.spawn(generation: generation, slot: slot))
            spawnFailed(generation: generation, slot: slot, reason: reason)
        case let .received(input, pid):
            receive(input, from: pid)
        case let .exited(pid, waitStatus, lastWords):
            reap(pid, waitStatus: waitStatus, lastWords: lastWords)
        case let .signal(signal):
            handleSignal(signal)
        case let .reloadConfigurationLoaded(settings, listeners):
            resolve(.reloadConfiguration)
            startNextGeneration(settings: settings, listeners: listeners)
        case let .reloadConfigurationRejected(reason):
            resolve(.reloadConfiguration)
            rejectReload(reason)
        case .tick:
            tick()
        }
        steps += waiting
        runSteps()
        defer { outbox = [] }
        return outbox
    }

    /// The longest `poll()` may wait: `tickMs`, shorter when the watchdog is due sooner.
    func pollTimeoutMs(now: Int64, tickMs: Int64) -> Int64 {
        guard configuration.watchdogIntervalMs != nil else { return tickMs }
        return min(tickMs, max(0, nextWatchdogAt - now))
    }

    // MARK: - Emitting

    mutating func emit(_ action: SupervisorAction) {
        outbox.append(action)
    }

    mutating func log(_ level: Logger.Level, _ message: String) {
        outbox.append(.log(level, message))
    }

    mutating func schedule(_ step: Step) {
        steps.append(step)
    }

    private mutating func resolve(_ result: Awaited) {
        if awaited == result { awaited = nil }
    }

    // MARK: - Time

    /// Time-based duties, in dependency order: stale workers are condemned (which frees
    /// their slots) before respawning, and both before the watchdog judges health.
    private mutating func tick() {
        if case let .reloading(deadline) = lifecycle, let next, now >= deadline {
            abandonReload("generation \(next.number) was not ready within \(configuration.reloadReadyTimeoutMs) ms")
        }
        checkHealth()
        enforceKillDeadlines()
        schedule(.spawnDue(generation: current.number, fromSlot: 0))
        schedule(.pingWatchdogAndRefreshStatus)
        schedule(.finishIfDone)
    }

    // MARK: - Steps

    private mutating func runSteps() {
        while awaited == nil, !steps.isEmpty {
            switch steps.removeFirst() {
            case .loadReloadConfiguration:
                emit(.loadReloadConfiguration)
                awaited = .reloadConfiguration
            case let .spawnDue(number, fromSlot):
                spawnNextDueSlot(of: number, from: fromSlot)
            case .pingWatchdogAndRefreshStatus:
                pingWatchdogIfDue()
                refreshStatusIfDue()
            case .finishIfDone:
                finishIfDone()
            }
        }
    }

    /// Asks for a spawn into the first vacant slot at or after `from` whose respawn time
    /// came, and queues the rest of the generation behind the result. A failed spawn may
    /// have abandoned the generation (or halted the service) by the time the rest runs.
    private mutating func spawnNextDueSlot(of number: Int, from: Int) {
        guard isSpawnable(number), let generation = generation(numbered: number) else { return }
        let due = generation.slots.indices.first { index in
            guard index >= from, case let .vacant(respawnAt) = generation.slots[index].occupant else { return false }
            return respawnAt <= now
        }
        guard let index = due else { return }
        steps.insert(.spawnDue(generation: number, fromSlot: index + 1), at: 0)
        emit(.spawn(generation: number, slot: index, listenerFD: generation.listener(forSlot: index)))
        awaited = .spawn(generation: number, slot: index)
    }

    /// While stopping: the exit once every worker is reaped, or at the deadline
    /// regardless (with `SIGKILL` for whoever is left).
    private mutating func finishIfDone() {
        guard exit == nil, case let .stopping(deadline, exit) = lifecycle else { return }
        if workers.isEmpty {
            log(.notice, "all workers exited: \(exit)")
        } else {
            guard now >= deadline else { return }
            let left = workers.keys.sorted().map(String.init).joined(separator: ", ")
            log(.error, "workers \(left) did not exit in time; giving up on them")
            for pid in workers.keys.sorted() { forceKill(pid) }
        }
        self.exit = exit
        emit(.exit(exit))
    }

    // MARK: - Generations

    /// The current or booting generation with this number.
    func generation(numbered number: Int) -> Generation? {
        if current.number == number { return current }
        if let next, next.number == number { return next }
        return nil
    }

    /// Changes the current or booting generation with this number in place.
    @discardableResult
    mutating func updateGeneration<Result>(_ number: Int, _ body: (inout Generation) -> Result) -> Result? {
        if current.number == number { return body(&current) }
        if next?.number == number { return body(&next!) }
        return nil
    }

    /// Generations whose workers must heartbeat.
    var activeGenerations: [Generation] {
        switch lifecycle {
        case .starting, .running: [current]
        case .reloading: [current] + (next.map { [$0] } ?? [])
        case .stopping: []
        }
    }

    /// Whether generation `number` may still get new workers.
    func isSpawnable(_ number: Int) -> Bool {
        switch lifecycle {
        case .starting, .running: number == current.number
        case .reloading: number == current.number || number == next?.number
        case .stopping: false
        }
    }

    /// Whether generation `number` is the one being brought up (the first, or a
    /// reload's), where any failure is a boot failure rather than something to respawn.
    func isBooting(_ number: Int) -> Bool {
        switch lifecycle {
        case .starting: number == current.number
        case .reloading: number == next?.number
        case .running, .stopping: false
        }
    }

    // MARK: - Acting on workers

    /// `drain` for a booting or ready worker; `SIGKILL` at `killAt`.
    mutating func drain(_ pid: pid_t, deadlineMs: Int, killAt: Int64) {
        if let message = workers[pid]?.drain(deadlineMs: deadlineMs, killAt: killAt) {
            emit(.send(message, to: pid))
        }
    }

    /// `stop` for a worker not yet stopping; `SIGKILL` at `killAt`.
    mutating func stop(_ pid: pid_t, killAt: Int64) {
        if let message = workers[pid]?.stop(killAt: killAt) {
            emit(.send(message, to: pid))
        }
    }

    mutating func forceKill(_ pid: pid_t) {
        if workers[pid]?.forceKill() == true {
            emit(.signal(SIGKILL, to: pid))
        }
    }

    /// Every worker, in pid order (so that actions come out in a stable order).
    var workerPIDs: [pid_t] { workers.keys.sorted() }
}
