import CSystemd
import Glibc

/// The supervisor's channel to systemd. Workers never notify.
public protocol SystemdNotifying: Sendable {
    /// Sends one datagram of newline-separated `KEY=value` assignments.
    func notify(_ state: String)
    /// The watchdog interval systemd expects pings within, if the watchdog is on.
    func watchdogIntervalUs() -> UInt64?
}

/// `sd_notify(3)` from libsystemd. Without `NOTIFY_SOCKET` every call is a no-op.
public struct SystemdNotifier: SystemdNotifying {
    public init() {}

    public func notify(_ state: String) {
        // unset_environment = 0: the supervisor notifies for its whole life. Workers get
        // an environment without NOTIFY_SOCKET from the spawner instead.
        _ = sd_notify(0, state)
    }

    public func watchdogIntervalUs() -> UInt64? {
        var usec: UInt64 = 0
        return sd_watchdog_enabled(0, &usec) > 0 && usec > 0 ? usec : nil
    }
}
