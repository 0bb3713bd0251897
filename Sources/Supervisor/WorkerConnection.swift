import Glibc
import IPC

/// The supervisor's end of one worker's link: a non-blocking socket, a frame decoder
/// and a queue of bytes not yet written. Driven by the supervisor's `poll()` loop.
final class WorkerConnection {
    let fd: Int32
    private var decoder = FrameDecoder()
    private var outbound: [UInt8] = []
    private(set) var isOpen = true

    init(fd: Int32) {
        self.fd = fd
    }

    /// Whether `poll()` should wait for `POLLOUT`.
    var wantsWrite: Bool { isOpen && !outbound.isEmpty }

    /// What one read pass produced.
    struct ReadResult {
        var messages: [WorkerMessage] = []
        /// Set when the link is finished: EOF, an I/O error or a protocol error.
        var end: End?
    }

    enum End {
        case closed
        case failed(IPCError)
    }

    /// Reads everything available now (bounded, so one chatty worker cannot starve the
    /// loop) and decodes it.
    func readAvailable(maxBytes: Int = 1 << 20) -> ReadResult {
        var result = ReadResult()
        guard isOpen else { return result }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var total = 0
        while total < maxBytes {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 {
                total += count
                decoder.feed(buffer[..<count])
                continue
            }
            if count == 0 {
                result.end = .closed
            } else if errno == EINTR {
                continue
            } else if errno != EAGAIN, errno != EWOULDBLOCK {
                result.end = errno == ECONNRESET ? .closed : .failed(.system(call: "read", errno: errno))
            }
            break
        }
        do {
            while let frame = try decoder.nextFrame() {
                result.messages.append(try WorkerMessage(frame: frame))
            }
        } catch {
            result.end = .failed(error)
        }
        return result
    }

    /// Queues `message` and writes what the socket takes. False when the link is broken.
    @discardableResult
    func send(_ message: SupervisorMessage) -> Bool {
        guard isOpen else { return false }
        do {
            outbound.append(contentsOf: try message.encoded())
        } catch {
            return false
        }
        return flush()
    }

    /// Writes queued bytes until done or the socket is full. False when the link is broken.
    @discardableResult
    func flush() -> Bool {
        while isOpen, !outbound.isEmpty {
            let written = outbound.withUnsafeBytes { buffer in
                Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                outbound.removeFirst(written)
            } else if written < 0, errno == EINTR {
                continue
            } else if written < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                return true
            } else {
                outbound = []
                return false
            }
        }
        return isOpen
    }

    func close() {
        guard isOpen else { return }
        isOpen = false
        outbound = []
        Glibc.close(fd)
    }
}
