import Glibc
import IPC

/// Something that happened to the supervisor, fed to ``SupervisorStateMachine/handle(_:at:)``.
enum SupervisorEvent: Equatable {
    /// The service starts: spawn the first generation.
    case start
    /// A ``SupervisorAction/spawn(generation:slot:listenerFD:)`` succeeded.
    case spawned(generation: Int, slot: Int, pid: pid_t, startedAtEpochMs: Int64)
    /// A ``SupervisorAction/spawn(generation:slot:listenerFD:)`` failed (no process exists).
    case spawnFailed(generation: Int, slot: Int, reason: String)
    /// What one read of a worker's link produced.
    case received(LinkInput, from: pid_t)
    /// `waitpid` reaped a worker; `lastWords` is what was still in its link.
    case exited(pid: pid_t, waitStatus: Int32, lastWords: LinkInput)
    /// `SIGTERM`, `SIGINT`, `SIGHUP` (others are ignored).
    case signal(Int32)
    /// The result of ``SupervisorAction/loadReloadConfiguration``: usable settings and
    /// the listeners bound for them.
    case reloadConfigurationLoaded(SupervisorSettings, listeners: [Int32])
    /// The result of ``SupervisorAction/loadReloadConfiguration``: why it is unusable.
    case reloadConfigurationRejected(reason: String)
    /// Time passed (at least every ``SupervisorLoop/tickMs``): deadlines, health,
    /// respawns, watchdog, `STATUS=`.
    case tick
}

/// Messages read from a worker's link in one go, and whether the link then broke.
struct LinkInput: Equatable {
    var messages: [WorkerMessage] = []
    /// Set when the worker broke the protocol or the read failed (not on a plain EOF).
    var failure: String?

    init(messages: [WorkerMessage] = [], failure: String? = nil) {
        self.messages = messages
        self.failure = failure
    }
}
