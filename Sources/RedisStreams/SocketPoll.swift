#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits until a socket is ready for `events`, the deadline passes, or the interrupter fires.
enum SocketPoll {
    enum Outcome {
        case ready
        case timedOut
        case interrupted
        /// `poll()` itself failed (e.g. ENOMEM): reported, never retried in a tight loop.
        case failed(String)
    }

    static func wait(
        fd: Int32, events: Int16, deadline: Deadline, interrupter: RedisInterrupter?
    ) -> Outcome {
        var descriptors = [pollfd(fd: fd, events: events, revents: 0)]
        if let interrupter {
            descriptors.append(pollfd(fd: interrupter.readFD, events: Int16(POLLIN), revents: 0))
        }
        while true {
            let result = poll(&descriptors, nfds_t(descriptors.count), deadline.pollTimeout)
            if result < 0 {
                if errno == EINTR { continue }
                return .failed("poll() failed: \(errorText(errno))")
            }
            if descriptors.count > 1, descriptors[1].revents != 0 { return .interrupted }
            if result == 0 { return .timedOut }
            // POLLERR/POLLHUP also count as ready: the following recv/send reports them.
            return .ready
        }
    }

    static func closeDescriptor(_ fd: Int32) {
        #if canImport(Glibc)
        _ = Glibc.close(fd)
        #else
        _ = Darwin.close(fd)
        #endif
    }

    static func connectDescriptor(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>!, _ length: socklen_t) -> Int32 {
        #if canImport(Glibc)
        Glibc.connect(fd, address, length)
        #else
        Darwin.connect(fd, address, length)
        #endif
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
