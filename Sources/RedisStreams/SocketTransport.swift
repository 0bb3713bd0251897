#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stream socket to Redis (TCP or unix), our own and non-blocking (not hiredis's networking).
///
/// TCP resolves with `getaddrinfo` and tries each address with a non-blocking `connect`
/// bounded by the deadline; every later read and write waits through `poll`, which also
/// watches the interrupter. TLS, when configured, runs on top (`TLSTransport`).
final class SocketTransport: RedisTransport {
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

    /// Connects to `host:port` by `deadline`.
    static func connect(
        host: String, port: Int, deadline: Deadline, interrupter: RedisInterrupter?
    ) throws(RedisError) -> SocketTransport {
        let peer = RedisHostAndPort(host: host, port: port).description
        let addresses = try resolve(host: host, port: port)
        defer { freeaddrinfo(addresses) }

        var lastError = "no address"
        var candidate: UnsafeMutablePointer<addrinfo>? = addresses
        while let info = candidate {
            candidate = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else {
                lastError = SocketPoll.errorText(errno)
                continue
            }
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            _ = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
            let outcome = attempt(fd, info.pointee.ai_addr, info.pointee.ai_addrlen, deadline: deadline, interrupter: interrupter)
            switch try transport(outcome, peer: peer, interrupter: interrupter) {
            case .success(let transport): return transport
            case .failure(let failure): lastError = failure.message  // Try the next address.
            }
        }
        throw .connection("cannot connect to \(peer): \(lastError)")
    }

    /// Connects to the unix socket at `path` by `deadline`.
    static func connect(
        unixPath path: String, deadline: Deadline, interrupter: RedisInterrupter?
    ) throws(RedisError) -> SocketTransport {
        let peer = "unix:\(path)"
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let pathBytes = Array(path.utf8)
        guard !pathBytes.isEmpty, pathBytes.count < capacity else {
            throw .connection("cannot connect to \(peer): a unix socket path has 1 to \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw .connection("cannot connect to \(peer): \(SocketPoll.errorText(errno))") }
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let outcome = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                attempt(fd, socketAddress, length, deadline: deadline, interrupter: interrupter)
            }
        }
        switch try transport(outcome, peer: peer, interrupter: interrupter) {
        case .success(let transport): return transport
        case .failure(let failure): throw .connection("cannot connect to \(peer): \(failure.message)")
        }
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

    /// A system error's text, as a value: the caller decides whether another address is
    /// worth trying.
    private struct SystemFailure: Error {
        let message: String
    }

    /// The transport a connect attempt made; a timeout or an interruption ends connecting
    /// at once (thrown), any other failure is returned with its text.
    private static func transport(
        _ outcome: Result<Int32, AttemptError>, peer: String, interrupter: RedisInterrupter?
    ) throws(RedisError) -> Result<SocketTransport, SystemFailure> {
        switch outcome {
        case .success(let fd): return .success(SocketTransport(fd: fd, peer: peer, interrupter: interrupter))
        case .failure(.timeout): throw .connection("cannot connect to \(peer): timed out")
        case .failure(.interrupted): throw .connection("connect to \(peer) interrupted")
        case .failure(.system(let message)): return .failure(SystemFailure(message: message))
        }
    }

    private static func resolve(host: String, port: Int) throws(RedisError) -> UnsafeMutablePointer<addrinfo> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let result else {
            let reason = status == 0 ? "no address" : String(cString: gai_strerror(status))
            throw .connection("cannot resolve \(host): \(reason)")
        }
        return result
    }

    /// A non-blocking `connect` of `fd` (closed on failure) bounded by `deadline`.
    private static func attempt(
        _ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>!, _ length: socklen_t,
        deadline: Deadline, interrupter: RedisInterrupter?
    ) -> Result<Int32, AttemptError> {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)

        func fail(_ error: AttemptError) -> Result<Int32, AttemptError> {
            SocketPoll.closeDescriptor(fd)
            return .failure(error)
        }

        if SocketPoll.connectDescriptor(fd, address, length) == 0 { return .success(fd) }
        // EAGAIN: a unix socket whose backlog is full; wait for it like a TCP connect.
        guard errno == EINPROGRESS || errno == EINTR || errno == EAGAIN else {
            return fail(.system(SocketPoll.errorText(errno)))
        }

        switch SocketPoll.wait(fd: fd, events: Int16(POLLOUT), deadline: deadline, interrupter: interrupter) {
        case .timedOut: return fail(.timeout)
        case .interrupted: return fail(.interrupted)
        case .failed(let reason): return fail(.system(reason))
        case .ready: break
        }
        var socketError: Int32 = 0
        var errorLength = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &errorLength) == 0 else {
            return fail(.system(SocketPoll.errorText(errno)))
        }
        guard socketError == 0 else { return fail(.system(SocketPoll.errorText(socketError))) }
        return .success(fd)
    }
}
