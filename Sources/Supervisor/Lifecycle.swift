/// The supervisor's own state machine.
///
/// ```
///            all ready                  SIGHUP, config valid
/// starting ───────────► running ──────────────────────────► reloading
///    │                   ▲  │ ◄──── new generation ready ───────┘ │
///    │                   │  │ ◄──── failed / timed out (abandon) ─┘
///    │ boot failure      │  │ SIGTERM / SIGINT (from any state)
///    └───────────────────┴──┴──────────────► stopping ──► (run() returns)
/// ```
enum Lifecycle {
    /// The first generation is booting; any boot failure ends the service.
    case starting
    /// The current generation serves.
    case running
    /// `next` is booting next to the current generation, which keeps serving.
    case reloading(next: Generation, deadline: Int64)
    /// Every worker was told to drain (or stop); `run()` returns `exit` once all are reaped,
    /// or at `deadline` regardless.
    case stopping(deadline: Int64, exit: SupervisorExit)

    var name: String {
        switch self {
        case .starting: "starting"
        case .running: "running"
        case .reloading: "reloading"
        case .stopping: "stopping"
        }
    }
}
