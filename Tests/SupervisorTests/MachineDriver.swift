@testable import Supervisor
import Glibc
import IPC

/// Plays the ``SupervisorLoop``'s part around a ``SupervisorStateMachine`` on a fake
/// clock: spawns get pids 100, 101, … (or fail, when told to), a reload's configuration
/// load gets ``reloadAnswer``. Nothing here sleeps, forks or opens a socket.
struct MachineDriver {
    var machine: SupervisorStateMachine
    /// The fake monotonic clock, in ms.
    var now: Int64
    /// Reasons for the next spawns to fail with, first one first; empty: spawns succeed.
    var failingSpawns: [String] = []
    /// What the next ``SupervisorAction/loadReloadConfiguration`` answers.
    var reloadAnswer: SupervisorEvent
    /// Every action so far, in order.
    private(set) var history: [SupervisorAction] = []
    private var nextPID: pid_t = 100

    static let startedAtEpochMs: Int64 = 1_700_000_000_000

    init(
        settings: SupervisorSettings = .test(),
        configuration: SupervisorStateMachine.Configuration = .test,
        listeners: [Int32] = [],
        now: Int64 = 1_000
    ) {
        self.machine = SupervisorStateMachine(configuration: configuration, settings: settings,
                                              listeners: listeners, now: now)
        self.now = now
        self.reloadAnswer = .reloadConfigurationLoaded(.test(configJSON: #"{"reloaded":true}"#), listeners: [])
    }

    /// Feeds `event` at ``now`` and answers the actions that need a result, as the loop
    /// does; returns every action, the answered ones' consequences included.
    @discardableResult
    mutating func send(_ event: SupervisorEvent) -> [SupervisorAction] {
        var actions = machine.handle(event, at: now)
        var index = 0
        while index < actions.count {
            switch actions[index] {
            case let .spawn(generation, slot, _):
                let result: SupervisorEvent
                if failingSpawns.isEmpty {
                    result = .spawned(generation: generation, slot: slot, pid: nextPID, startedAtEpochMs: Self.startedAtEpochMs)
                    nextPID += 1
                } else {
                    result = .spawnFailed(generation: generation, slot: slot, reason: failingSpawns.removeFirst())
                }
                actions += machine.handle(result, at: now)
            case .loadReloadConfiguration:
                actions += machine.handle(reloadAnswer, at: now)
            default:
                break
            }
            index += 1
        }
        history += actions
        return actions
    }

    /// Moves the clock by `ms` and ticks once.
    @discardableResult
    mutating func advance(by ms: Int64) -> [SupervisorAction] {
        now += ms
        return send(.tick)
    }

    /// Ticks every `step` ms for `ms`, like the loop's 100 ms passes; every action.
    @discardableResult
    mutating func run(for ms: Int64, step: Int64 = 100) -> [SupervisorAction] {
        var actions: [SupervisorAction] = []
        var elapsed: Int64 = 0
        while elapsed < ms {
            actions += advance(by: step)
            elapsed += step
        }
        return actions
    }

    // MARK: - Workers

    /// The pid in `slot` of generation `generation`, if a worker holds it.
    func pid(generation: Int = 1, slot: Int) -> pid_t? {
        machine.generation(numbered: generation)?.slots[slot].pid
    }

    /// The pids of generation `generation`'s slots, in slot order.
    func pids(generation: Int = 1) -> [pid_t] {
        machine.generation(numbered: generation)?.pids ?? []
    }

    func phase(of pid: pid_t) -> WorkerProcess.Phase? {
        machine.workers[pid]?.phase
    }

    @discardableResult
    mutating func receive(_ messages: WorkerMessage..., from pid: pid_t) -> [SupervisorAction] {
        send(.received(LinkInput(messages: messages), from: pid))
    }

    @discardableResult
    mutating func ready(_ pids: [pid_t]) -> [SupervisorAction] {
        pids.flatMap { receive(.ready, from: $0) }
    }

    /// A heartbeat from every live worker.
    @discardableResult
    mutating func heartbeatAll(_ heartbeat: Heartbeat = Heartbeat(redisState: "connected")) -> [SupervisorAction] {
        machine.workers.keys.sorted().flatMap { receive(.heartbeat(heartbeat), from: $0) }
    }

    /// `waitpid` reaped `pid` with `status` (default: exit status 1).
    @discardableResult
    mutating func exit(_ pid: pid_t, status: Int32 = 1 << 8, lastWords: [WorkerMessage] = []) -> [SupervisorAction] {
        send(.exited(pid: pid, waitStatus: status, lastWords: LinkInput(messages: lastWords)))
    }

    /// Starts the service and makes every first-generation worker ready.
    @discardableResult
    mutating func startReady() -> [SupervisorAction] {
        let started = send(.start)
        return started + ready(pids())
    }

    /// A running service whose reload booted generation 2 (not yet ready).
    @discardableResult
    mutating func startReload() -> [SupervisorAction] {
        send(.signal(SIGHUP))
    }
}

extension SupervisorSettings {
    static func test(
        workers: Int = 2,
        heartbeatTimeoutMs: Int = 10_000,
        shutdownTimeoutMs: Int = 10_000,
        readBlockMs: Int = 5_000,
        configJSON: String = "{}"
    ) -> SupervisorSettings {
        SupervisorSettings(configJSON: configJSON, workerCount: workers, workerHeartbeatTimeoutMs: heartbeatTimeoutMs,
                           shutdownTimeoutMs: shutdownTimeoutMs, redisStreamReadBlockMs: readBlockMs)
    }
}

extension SupervisorStateMachine.Configuration {
    static let test = Self(
        killGraceMs: 2_000,
        drainKillGraceMs: 1_000,
        statusIntervalMs: 2_000,
        reloadReadyTimeoutMs: 60_000,
        readerProgressMarginMs: 5_000,
        restartBackoff: RestartBackoff(initialDelayMs: 500, maxDelayMs: 4_000, stableAfterMs: 10_000),
        watchdogIntervalMs: nil)

    func with(watchdogIntervalMs: Int64?) -> Self {
        var copy = self
        copy.watchdogIntervalMs = watchdogIntervalMs
        return copy
    }
}

/// Picking actions of one kind out of a batch.
extension [SupervisorAction] {
    var withoutLogs: [SupervisorAction] { filter { if case .log = $0 { false } else { true } } }

    var spawns: [SupervisorAction] { filter { if case .spawn = $0 { true } else { false } } }

    var sends: [SupervisorAction] { filter { if case .send = $0 { true } else { false } } }

    var signals: [SupervisorAction] { filter { if case .signal = $0 { true } else { false } } }

    var notifications: [SystemdNotification] {
        compactMap { if case let .notify(notification) = $0 { notification } else { nil } }
    }

    var exits: [SupervisorExit] {
        compactMap { if case let .exit(exit) = $0 { exit } else { nil } }
    }

    var logLines: [String] {
        compactMap { if case let .log(_, line) = $0 { line } else { nil } }
    }

    /// Whether some log line contains `fragment`.
    func logged(_ fragment: String) -> Bool {
        logLines.contains { $0.contains(fragment) }
    }

    var isWatchdogPing: Bool { notifications.contains(.watchdog) }

    /// The `STATUS=` texts sent, alone or with `READY=1` / `STOPPING=1`.
    var statusTexts: [String] {
        notifications.compactMap { notification in
            switch notification {
            case let .status(text), let .ready(text), let .stopping(text): text
            case .reloading, .watchdog: nil
            }
        }
    }
}
