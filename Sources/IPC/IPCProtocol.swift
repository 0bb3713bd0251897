/// Constants shared by both ends of the supervisor <-> worker link.
///
/// Wire format of one frame on the `SOCK_STREAM` socketpair:
///
/// ```
/// [u32 big-endian length][u8 protocol version][u8 message type][payload]
/// ```
///
/// `length` counts everything after itself (version + type + payload), so it is
/// at least 2. The payload is JSON (or empty for messages without fields).
public enum IPCProtocol {
    /// The version this build writes in every frame and in ``StartInfo/protocolVersion``.
    public static let version: UInt8 = 1

    /// Versions this build can read. A frame with any other version is rejected:
    /// after a binary upgrade, a reload spawns the new binary against the old
    /// supervisor, and a silent misparse would be worse than a clear boot failure.
    public static let supportedVersions: Set<UInt8> = [1]

    /// Largest accepted value of the length field (1 MiB).
    public static let maxFrameBytes = 1 << 20

    /// Size of the length field.
    public static let lengthFieldBytes = 4

    /// Bytes of header counted by the length field (version + type).
    public static let headerBytes = 2

    /// The worker's end of the socketpair, as set up by the supervisor.
    public static let workerLinkFD: Int32 = 3

    /// Where the supervisor puts an inherited (socket-activated) listener in the worker.
    public static let inheritedListenerFD: Int32 = 4

    /// Environment variable carrying the supervisor's pid to the worker, so that the
    /// worker can tell, right after `PR_SET_PDEATHSIG`, whether its parent already died.
    public static let supervisorPIDEnvironmentKey = "SUPERSET_WEBSOCKET_SUPERVISOR_PID"

    /// Variables through which systemd talks to the service's main process. Only the
    /// supervisor may use them: the supervisor strips them from workers' environments
    /// and ``WorkerLink/adopt(fd:expectedSupervisorPID:startTimeoutMs:diagnostics:)``
    /// unsets them again.
    public static let systemdEnvironmentKeys = [
        "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
    ]
}
