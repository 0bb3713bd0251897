#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain TCP to Redis on our own non-blocking socket (not hiredis's networking).
///
/// Resolves with `getaddrinfo`, tries each address with a non-blocking `connect` bounded
/// by the endpoint's connect timeout, and does every later read and write through `poll`.
final class TCPTransport: RedisTransport {
    private var fd: Int32
    private let peer: String
    private let interrupter: RedisInterrupter?

    private init(fd: Int32, peer: String, interrupter: RedisInterrupter?) {
        self.fd = fd
        self.peer = peer
        self.interrupter = interrupter
    }

    deinit {
        close()
    }

    /// The factory for `RedisConnection`.
    static func connect(
        to endpoint: RedisEndpoint, interrupter: RedisInterrupter?
    ) throws(RedisError) -> any RedisTransport {
        let deadline = Deadline.after(milliseconds: endpoint.connectTimeoutMs)
        let peer = endpoint.hostAndPort
        let addresses = try resolve(endpoint)
        defer { freeaddrinfo(addresses) }

        var lastError = "no address"
        var candidate: UnsafeMutablePointer<addrinfo>? = addresses
        while let info = candidate {
            candidate = info.pointee.ai_next
            switch attempt(info.pointee, deadline: deadline, interrupter: interrupter) {
            case .success(let fd):
                return TCPTransport(fd: fd, peer: peer, interrupter: interrupter)
            case .failure(.timeout):
                throw .connection("cannot connect to \(peer): timed out after \(endpoint.connectTimeoutMs) ms")
            case .failure(.interrupted):
                throw .connection("connect to \(peer) interrupted")
            case .failure(.system(let message)):
                lastError = message
            }
        }
        throw .connection("cannot connect to \(peer): \(lastError)")
    }

    func write(_ bytes: [UInt8], deadline: Deadline) throws(RedisError) {
        var offset = 0
        while offset < bytes.count {
            guard fd >= 0 else { throw .connection("not connected") }
            let sent = bytes.withUnsafeBytes { buffer in
                send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
                continue
            }
            let code = errno
            if sent < 0, code == EINTR { continue }
            guard sent < 0, code == EAGAIN || code == EWOULDBLOCK else {
                throw .connection("write to \(peer) failed: \(SocketPoll.errorText(code))")
            }
            try waitUntilReady(events: Int16(POLLOUT), deadline: deadline)
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(RedisError) -> Int {
        while true {
            guard fd >= 0 else { throw .connection("not connected") }
            let received = recv(fd, buffer.baseAddress, buffer.count, 0)
            if received > 0 { return received }
            if received == 0 { throw .connection("\(peer) closed the connection") }
            let code = errno
            if code == EINTR { continue }
            guard code == EAGAIN || code == EWOULDBLOCK else {
                throw .connection("read from \(peer) failed: \(SocketPoll.errorText(code))")
            }
            try waitUntilReady(events: Int16(POLLIN), deadline: deadline)
        }
    }

    func close() {
        guard fd >= 0 else { return }
        SocketPoll.closeDescriptor(fd)
        fd = -1
    }

    private func waitUntilReady(events: Int16, deadline: Deadline) throws(RedisError) {
        switch SocketPoll.wait(fd: fd, events: events, deadline: deadline, interrupter: interrupter) {
        case .ready: return
        case .timedOut: throw .timeout
        case .interrupted: throw .connection("I/O with \(peer) interrupted")
        case .failed(let reason): throw .connection("I/O with \(peer) failed: \(reason)")
        }
    }

    // MARK: - Connecting

    private enum AttemptError: Error {
        case timeout
        case interrupted
        case system(String)
    }

    private static func resolve(_ endpoint: RedisEndpoint) throws(RedisError) -> UnsafeMutablePointer<addrinfo> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &result)
        guard status == 0, let result else {
            let reason = status == 0 ? "no address" : String(cString: gai_strerror(status))
            throw .connection("cannot resolve \(endpoint.host): \(reason)")
        }
        return result
    }

    private static func attempt(
        _ info: addrinfo, deadline: Deadline, interrupter: RedisInterrupter?
    ) -> Result<Int32, AttemptError> {
        let fd = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
        guard fd >= 0 else { return .failure(.system(SocketPoll.errorText(errno))) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))

        func fail(_ error: AttemptError) -> Result<Int32, AttemptError> {
            SocketPoll.closeDescriptor(fd)
            return .failure(error)
        }

        if SocketPoll.connectDescriptor(fd, info.ai_addr, info.ai_addrlen) == 0 { return .success(fd) }
        guard errno == EINPROGRESS || errno == EINTR else { return fail(.system(SocketPoll.errorText(errno))) }

        switch SocketPoll.wait(fd: fd, events: Int16(POLLOUT), deadline: deadline, interrupter: interrupter) {
        case .timedOut: return fail(.timeout)
        case .interrupted: return fail(.interrupted)
        case .failed(let reason): return fail(.system(reason))
        case .ready: break
        }
        var socketError: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length) == 0 else {
            return fail(.system(SocketPoll.errorText(errno)))
        }
        guard socketError == 0 else { return fail(.system(SocketPoll.errorText(socketError))) }
        return .success(fd)
    }
}

extension RedisEndpoint {
    /// `host:port` (IPv6 literals bracketed), for error messages.
    var hostAndPort: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
