#if canImport(Glibc)
import Glibc

/// Thin, blocking-or-not wrappers around the link's file descriptor.
enum LinkSocket {
    /// Outcome of a non-blocking send attempt.
    enum SendResult {
        /// This many bytes were written (possibly fewer than asked).
        case sent(Int)
        /// The socket buffer is full (the supervisor is not reading right now).
        case wouldBlock
        /// The peer is gone (`EPIPE`, `ECONNRESET`...).
        case failed(errno: Int32)
    }

    static func isSocket(_ fd: Int32) -> Bool {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFSOCK
    }

    /// One `send` that never blocks and never raises `SIGPIPE`.
    static func sendNonBlocking(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> SendResult {
        while true {
            let written = bytes.withUnsafeBytes { buffer in
                send(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL))
            }
            if written >= 0 { return .sent(written) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            case let error: return .failed(errno: error)
            }
        }
    }

    /// Waits until `fd` is readable (or writable, with `events: POLLOUT`).
    /// Returns false on timeout. `timeoutMs < 0` waits forever.
    static func wait(_ fd: Int32, events: Int16 = Int16(POLLIN), timeoutMs: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: events, revents: 0)
        while true {
            let result = poll(&descriptor, 1, timeoutMs)
            if result >= 0 { return result > 0 }
            if errno != EINTR { return true }  // let the following call report the error
        }
    }

    /// One blocking `read` into `buffer`. 0 means EOF.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, IPCError> {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return .success(count) }
            if errno == EINTR { continue }
            if errno == ECONNRESET { return .success(0) }
            return .failure(.system(call: "read", errno: errno))
        }
    }
}
#endif
