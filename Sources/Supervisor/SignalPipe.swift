import Glibc

/// Write end of the self-pipe, read by the signal handler. Set before any handler is
/// installed and only changed while none is (so the handler never sees it half-made).
nonisolated(unsafe) private var signalPipeWriteFD: Int32 = -1

/// The handler: async-signal-safe, it only writes the signal number into the pipe.
private func forwardSignal(_ signal: Int32) {
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(signalPipeWriteFD, &byte, 1)
    errno = savedErrno
}

/// The classic self-pipe: signal handlers write one byte per signal; the supervisor's
/// `poll()` loop reads them and acts outside signal context. (`signalfd` would need the
/// signals blocked in every thread, and the Swift runtime may have started threads we
/// do not control.)
final class SignalPipe {
    static let handledSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGCHLD]

    /// Read end, non-blocking, for `poll()`.
    let readFD: Int32
    private let writeFD: Int32

    /// Creates the pipe and installs the handlers. One per process.
    init() throws(SupervisorExit) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw .failure("cannot create the signal pipe: errno \(errno)")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        readFD = fds[0]
        writeFD = fds[1]
        signalPipeWriteFD = writeFD

        signal(SIGPIPE, SIG_IGN)
        // A parent may have spawned us with these blocked (the mask survives exec); a
        // blocked signal would stay pending forever.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signal in Self.handledSignals { sigaddset(&unblock, signal) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for signal in Self.handledSignals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { forwardSignal($0) }
            sigemptyset(&action.sa_mask)
            // SA_NOCLDSTOP: a worker stopped with SIGSTOP is not an exit; its missing
            // heartbeats are what counts.
            action.sa_flags = SA_RESTART | (signal == SIGCHLD ? SA_NOCLDSTOP : 0)
            sigaction(signal, &action, nil)
        }
    }

    /// Pretends `signal` arrived (used by ``Supervisor/requestStop()`` and friends).
    /// Safe from any thread.
    static func post(_ signal: Int32) {
        forwardSignal(signal)
    }

    /// Signals received since the last call, in arrival order.
    func drain() -> [Int32] {
        var received: [Int32] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = read(readFD, &buffer, buffer.count)
            if count > 0 {
                received.append(contentsOf: buffer[..<count].map { Int32($0) })
            } else if count < 0, errno == EINTR {
                continue
            } else {
                return received
            }
        }
    }

    /// Restores default dispositions and closes the pipe.
    func uninstall() {
        for signal in Self.handledSignals { Glibc.signal(signal, SIG_DFL) }
        signalPipeWriteFD = -1
        close(readFD)
        close(writeFD)
    }
}
