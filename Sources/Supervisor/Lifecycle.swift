/// Where the supervisor as a whole is.
///
/// ```
///            all ready                  SIGHUP, config valid
/// starting ───────────► running ──────────────────────────► reloading
///    │                   ▲  │ ◄──── new generation ready ───────┘ │
///    │                   │  │ ◄──── failed / timed out (abandon) ─┘
///    │ boot failure      │  │ SIGTERM / SIGINT (from any state)
///    └───────────────────┴──┴──────────────► stopping ──► exit
/// ```
enum Lifecycle: Equatable {
    /// The first generation is booting; any boot failure ends the service.
    case starting
    /// The current generation serves.
    case running
    /// The next generation (``SupervisorStateMachine/next``) boots next to the current
    /// one, which keeps serving; abandoned at `deadline` unless ready.
    case reloading(deadline: Int64)
    /// Every worker was told to drain (or stop); the service exits with `exit` once all
    /// are reaped, or at `deadline` regardless.
    case stopping(deadline: Int64, exit: SupervisorExit)

    var name: String {
        switch self {
        case .starting: "starting"
        case .running: "running"
        case .reloading: "reloading"
        case .stopping: "stopping"
        }
    }

    var isStopping: Bool {
        if case .stopping = self { return true }
        return false
    }
}
