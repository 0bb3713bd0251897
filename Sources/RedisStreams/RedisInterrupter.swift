#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wakes every blocking wait of the connections that watch it, from any thread, once.
///
/// A self-pipe: every `poll()` of a watching connection includes the read end, which
/// becomes readable for good once `interrupt()` writes its byte. This interrupts a
/// blocked `XREAD BLOCK`, a connect in progress or a back-off pause at once, without
/// closing a descriptor under another thread's feet (closing a socket that another
/// thread is polling is a race with descriptor reuse). A woken operation fails with
/// `RedisError.connection` and closes its socket on its own thread.
public final class RedisInterrupter: Sendable {
    let readFD: Int32
    private let writeFD: Int32

    public init() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            fatalError("pipe() failed: \(String(cString: strerror(errno)))")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Readable once interrupted: for a `poll()` that waits on other descriptors too.
    public var descriptor: Int32 { readFD }

    /// Idempotent; safe from any thread.
    public func interrupt() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    public var isInterrupted: Bool {
        var descriptor = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    /// Blocks until `interrupt()` or until `milliseconds` have passed.
    /// Returns true when interrupted. Used for back-off pauses that `stop()` must cut short.
    @discardableResult
    public func wait(milliseconds: Int) -> Bool {
        let deadline = Deadline.after(milliseconds: milliseconds)
        var descriptor = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
        while true {
            let result = poll(&descriptor, 1, deadline.pollTimeout)
            if result > 0 { return true }
            if result == 0 { return false }
            if errno != EINTR { return isInterrupted }
        }
    }
}
