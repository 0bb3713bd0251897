import Glibc
import IPC

/// What the supervisor knows about one spawned worker process and where it is in its
/// life. A value: the ``SupervisorStateMachine`` decides, the ``SupervisorLoop`` carries
/// out the signals and messages each transition asks for.
///
/// ```
///            ready                drain / stop
/// booting ─────────► ready ─────────────────────► draining | stopping ──┐
///    │                 │                                                 │ deadline
///    │  silent / hung  │                                                 ▼
///    └────────┬────────┘                                              killed ──► (reaped)
///             ▼                 grace                                   ▲
///         condemned (SIGABRT) ──────────────────────────────────────────┘ (SIGKILL)
/// ```
///
/// Only `booting` and `ready` processes occupy a slot; the others are on their way out
/// and are kept only until reaped.
struct WorkerProcess: Equatable {
    enum Phase: Equatable {
        /// Spawned, `start` sent, `ready` not yet received.
        case booting
        case ready
        /// `drain` sent (shutdown, or retired after a reload); `SIGKILL` at `killAt`.
        case draining(killAt: Int64)
        /// `stop` sent (an abandoned generation, a failed boot); `SIGKILL` at `killAt`.
        case stopping(killAt: Int64)
        /// `SIGABRT` sent (hung, or broke the protocol); `SIGKILL` at `killAt`.
        case condemned(killAt: Int64)
        /// `SIGKILL` sent; waiting for `waitpid`.
        case killed

        var name: String {
            switch self {
            case .booting: "booting"
            case .ready: "ready"
            case .draining: "draining"
            case .stopping: "stopping"
            case .condemned: "condemned"
            case .killed: "killed"
            }
        }
    }

    let pid: pid_t
    let generation: Int
    let index: Int
    /// Monotonic ms.
    let spawnedAt: Int64
    /// Wall clock, for humans.
    let startedAtEpochMs: Int64
    private(set) var phase: Phase = .booting
    /// Last message of any kind (or the spawn): proof the worker's event loop runs.
    private(set) var lastSignOfLifeAt: Int64
    private(set) var heartbeat: Heartbeat?
    /// What the worker said in `bootFailed`, to report when it exits.
    var bootFailureReason: String?
    /// Reaped: the pid may already belong to someone else, so no more signals.
    private(set) var hasExited = false

    init(pid: pid_t, generation: Int, index: Int, spawnedAt: Int64, startedAtEpochMs: Int64) {
        self.pid = pid
        self.generation = generation
        self.index = index
        self.spawnedAt = spawnedAt
        self.startedAtEpochMs = startedAtEpochMs
        self.lastSignOfLifeAt = spawnedAt
    }

    /// "worker 1 of generation 2 (pid 4711)", for logs.
    var name: String { "worker \(index) of generation \(generation) (pid \(pid))" }

    /// `booting` or `ready`: holds its slot and must heartbeat.
    var isActive: Bool { phase == .booting || phase == .ready }

    /// When the process is to be sent `SIGKILL`, if it is on its way out.
    var killAt: Int64? {
        switch phase {
        case let .draining(killAt), let .stopping(killAt), let .condemned(killAt): killAt
        case .booting, .ready, .killed: nil
        }
    }

    mutating func recordSignOfLife(at now: Int64) {
        lastSignOfLifeAt = now
    }

    mutating func record(_ heartbeat: Heartbeat, at now: Int64) {
        self.heartbeat = heartbeat
        lastSignOfLifeAt = now
    }

    /// `booting` → `ready`. False if the process was not booting.
    mutating func markReady() -> Bool {
        guard phase == .booting else { return false }
        phase = .ready
        return true
    }

    /// Drains the worker; `SIGKILL` at `killAt` (or earlier, if already due earlier).
    /// Returns the message to send, if the worker is to be told.
    mutating func drain(deadlineMs: Int, killAt: Int64) -> SupervisorMessage? {
        switch phase {
        case .booting, .ready:
            phase = .draining(killAt: killAt)
            return .drain(deadlineMs: deadlineMs)
        case let .draining(existing):
            phase = .draining(killAt: min(existing, killAt))
            return nil
        case .stopping, .condemned, .killed:
            return nil
        }
    }

    /// Makes the worker exit at once; `SIGKILL` at `killAt`. Returns the message to send.
    mutating func stop(killAt: Int64) -> SupervisorMessage? {
        switch phase {
        case .booting, .ready, .draining:
            phase = .stopping(killAt: min(self.killAt ?? killAt, killAt))
            return .stop
        case .stopping, .condemned, .killed:
            return nil
        }
    }

    /// Condemns a hung worker, `SIGKILL` at `killAt`. True when `SIGABRT` is to be sent
    /// now (a core dump shows where it hung).
    mutating func condemn(killAt: Int64) -> Bool {
        guard phase != .killed, !hasExited else { return false }
        if case .condemned = phase { return false }
        phase = .condemned(killAt: killAt)
        return true
    }

    /// True when `SIGKILL` is to be sent now.
    mutating func forceKill() -> Bool {
        guard phase != .killed, !hasExited else { return false }
        phase = .killed
        return true
    }

    /// `waitpid` returned this process.
    mutating func markExited() {
        hasExited = true
    }
}
