import Glibc
import IPC
import Logging

/// Something the ``SupervisorStateMachine`` asks the ``SupervisorLoop`` to carry out.
///
/// `spawn` and `loadReloadConfiguration` have a result that the loop feeds back at once
/// as an event; the machine emits them only as the last action of a batch and waits
/// for that result before deciding anything else.
enum SupervisorAction: Equatable {
    /// Start a worker for `slot` of `generation`, handing it `listenerFD` as fd 4.
    /// Result: ``SupervisorEvent/spawned(generation:slot:pid:startedAtEpochMs:)`` or
    /// ``SupervisorEvent/spawnFailed(generation:slot:reason:)``.
    case spawn(generation: Int, slot: Int, listenerFD: Int32?)
    /// Send `message` over the worker's link (dropped if the link is closed).
    case send(SupervisorMessage, to: pid_t)
    /// `kill(pid, signal)`: `SIGABRT` for a hung worker, `SIGKILL` at a deadline.
    case signal(Int32, to: pid_t)
    case notify(SystemdNotification)
    /// Read and check the configuration, bind its listeners. Result:
    /// ``SupervisorEvent/reloadConfigurationLoaded(_:listeners:)`` or
    /// ``SupervisorEvent/reloadConfigurationRejected(reason:)``.
    case loadReloadConfiguration
    /// Close every pooled listener but these (the serving generation's).
    case retainListeners([Int32])
    case log(Logger.Level, String)
    /// The service is over: `run()` returns this.
    case exit(SupervisorExit)
}

/// What the supervisor tells systemd (`sd_notify`); `status` is the `STATUS=` text
/// sent in the same datagram.
enum SystemdNotification: Equatable {
    case ready(status: String)
    /// `RELOADING=1` with `MONOTONIC_USEC=`, read from the clock when sent.
    case reloading
    case stopping(status: String)
    case watchdog
    case status(String)
}
