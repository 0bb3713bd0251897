import CSystemd
import Glibc

/// systemd socket activation (`LISTEN_FDS`/`LISTEN_PID`).
enum SocketActivation {
    /// Takes the first passed socket, if any, and unsets the `LISTEN_*` variables.
    ///
    /// The socket arrives at fd 3, exactly where workers expect their link; it is moved
    /// to a number ≥ 10 (close-on-exec) so that the spawner can place both without
    /// one `dup2` clobbering the other's source.
    static func takeListener() -> (fd: Int32?, warning: String?) {
        let count = sd_listen_fds(1)
        guard count > 0 else {
            return (nil, count < 0 ? "sd_listen_fds failed: errno \(-count)" : nil)
        }
        let first = SD_LISTEN_FDS_START
        let moved = fcntl(first, F_DUPFD_CLOEXEC, 10)
        guard moved >= 0 else { return (nil, "cannot move the inherited listener: errno \(errno)") }
        close(first)
        // Sockets beyond the first are not ours to use; do not leak them into workers.
        var extra: Int32 = 1
        while extra < count {
            _ = fcntl(first + extra, F_SETFD, FD_CLOEXEC)
            extra += 1
        }
        let warning = count > 1 ? "systemd passed \(count) sockets; using the first only" : nil
        return (moved, warning)
    }
}
