import Glibc
import IPC

/// One spawned worker process and where it is in its life.
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
final class WorkerProcess {
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
    let connection: WorkerConnection
    private(set) var phase: Phase = .booting
    /// Last message of any kind (or the spawn): proof the worker's event loop runs.
    private(set) var lastSignOfLifeAt: Int64
    private(set) var heartbeat: Heartbeat?
    /// What the worker said in `bootFailed`, to report when it exits.
    var bootFailureReason: String?
    /// Reaped: the pid may already belong to someone else, so no more signals.
    private(set) var hasExited = false

    init(pid: pid_t, generation: Int, index: Int, linkFD: Int32, now: Int64) {
        self.pid = pid
        self.generation = generation
        self.index = index
        self.spawnedAt = now
        self.lastSignOfLifeAt = now
        self.connection = WorkerConnection(fd: linkFD)
        var wallClock = timespec()
        clock_gettime(CLOCK_REALTIME, &wallClock)
        self.startedAtEpochMs = Int64(wallClock.tv_sec) * 1_000 + Int64(wallClock.tv_nsec) / 1_000_000
    }

    /// `booting` or `ready`: holds its slot and must heartbeat.
    var isActive: Bool { phase == .booting || phase == .ready }

    /// When the process is to be sent `SIGKILL`, if it is on its way out.
    var killAt: Int64? {
        switch phase {
        case let .draining(killAt), let .stopping(killAt), let .condemned(killAt): killAt
        case .booting, .ready, .killed: nil
        }
    }

    func recordSignOfLife(at now: Int64) {
        lastSignOfLifeAt = now
    }

    func record(_ heartbeat: Heartbeat, at now: Int64) {
        self.heartbeat = heartbeat
        lastSignOfLifeAt = now
    }

    /// `booting` → `ready`. False if the process was not booting.
    func markReady() -> Bool {
        guard phase == .booting else { return false }
        phase = .ready
        return true
    }

    /// Asks the worker to drain; `SIGKILL` at `killAt` (or earlier, if already due earlier).
    func drain(deadlineMs: Int, killAt: Int64) {
        switch phase {
        case .booting, .ready:
            connection.send(.drain(deadlineMs: deadlineMs))
            phase = .draining(killAt: killAt)
        case let .draining(existing):
            phase = .draining(killAt: min(existing, killAt))
        case .stopping, .condemned, .killed:
            break
        }
    }

    /// Asks the worker to exit at once; `SIGKILL` at `killAt`.
    func stop(killAt: Int64) {
        switch phase {
        case .booting, .ready, .draining:
            connection.send(.stop)
            phase = .stopping(killAt: min(self.killAt ?? killAt, killAt))
        case .stopping, .condemned, .killed:
            break
        }
    }

    /// `SIGABRT` now (a core dump shows where it hung), `SIGKILL` at `killAt`.
    func condemn(killAt: Int64) {
        guard phase != .killed, !hasExited else { return }
        if case .condemned = phase { return }
        kill(pid, SIGABRT)
        phase = .condemned(killAt: killAt)
    }

    func forceKill() {
        guard phase != .killed, !hasExited else { return }
        kill(pid, SIGKILL)
        phase = .killed
    }

    /// `waitpid` returned this process.
    func markExited() {
        hasExited = true
    }
}
