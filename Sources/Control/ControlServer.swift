import Foundation
import Glibc
import Logging

/// The supervisor's status socket: every connection gets the current snapshot as JSON,
/// then the connection is closed. Runs on a thread of its own, so a slow or stuck
/// client cannot delay the supervisor's loop (each client gets a 2 s send timeout).
/// The socket is created mode 0660: the service's user and group may read the status.
public final class ControlServer: @unchecked Sendable {
    // @unchecked: `fd` is set once in init; `stopped` and `threadDone` are guarded by `state`.
    public let path: String
    private let fd: Int32
    private let snapshotJSON: @Sendable () -> [UInt8]
    private let logger: Logger
    private let state = NSCondition()
    private var stopped = false
    private var threadDone = false

    public init(path: String, logger: Logger, snapshotJSON: @escaping @Sendable () -> [UInt8]) throws {
        self.path = path
        self.logger = logger
        self.snapshotJSON = snapshotJSON
        var address = try UnixSocket.address(path)
        let fd = try UnixSocket.makeSocket()
        // A socket file left by a previous run that is not answering anymore is stale.
        if access(path, F_OK) == 0 {
            if ControlClient.isAnswering(path) {
                close(fd)
                throw UnixSocket.Failure(description: "another service is already answering on \(path)")
            }
            unlink(path)
        }
        let previousMask = umask(0o117)
        let bound = UnixSocket.withSockaddr(&address) { bind(fd, $0, $1) }
        umask(previousMask)
        guard bound == 0, listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw UnixSocket.Failure(description: "cannot listen on \(path): \(reason)")
        }
        self.fd = fd
    }

    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "control"
        thread.start()
    }

    /// Stops answering and removes the socket file. The descriptor is closed only after
    /// the thread has left `accept`: closing it under a blocked `accept` would let the
    /// number be reused by another socket that the old thread would then serve.
    public func stop() {
        state.lock()
        stopped = true
        state.unlock()
        shutdown(fd, Int32(SHUT_RDWR))
        state.lock()
        let deadline = Date().addingTimeInterval(2)
        while !threadDone, state.wait(until: deadline) {}
        let done = threadDone
        state.unlock()
        if done { close(fd) }
        unlink(path)
    }

    private func run() {
        defer {
            state.lock()
            threadDone = true
            state.broadcast()
            state.unlock()
        }
        while true {
            let client = accept(fd, nil, nil)
            state.lock()
            let isStopped = stopped
            state.unlock()
            if isStopped {
                if client >= 0 { close(client) }
                return
            }
            if client < 0 {
                if errno == EINTR { continue }
                logger.warning("control socket: accept failed: \(String(cString: strerror(errno)))")
                return
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            _ = UnixSocket.writeAll(client, snapshotJSON())
            close(client)
        }
    }
}

/// The `status` command's side of the control socket.
public enum ControlClient {
    public enum Failure: Error, CustomStringConvertible {
        case notRunning(tried: [String])
        case unreadable(String)

        public var description: String {
            switch self {
            case .notRunning(let tried):
                "no running superset-websocket service answers (tried \(tried.joined(separator: ", ")))"
            case .unreadable(let reason): "the service answered something unreadable: \(reason)"
            }
        }
    }

    /// The snapshot JSON from the first candidate path that answers.
    public static func fetch(candidates: [String]) throws(Failure) -> [UInt8] {
        for path in candidates {
            if let bytes = try? fetch(path: path), !bytes.isEmpty { return bytes }
        }
        throw .notRunning(tried: candidates)
    }

    static func fetch(path: String) throws -> [UInt8] {
        var address = try UnixSocket.address(path)
        let fd = try UnixSocket.makeSocket()
        defer { close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard UnixSocket.withSockaddr(&address, { connect(fd, $0, $1) }) == 0 else {
            throw UnixSocket.Failure(description: String(cString: strerror(errno)))
        }
        return UnixSocket.readAll(fd)
    }

    static func isAnswering(_ path: String) -> Bool {
        guard let fd = try? UnixSocket.makeSocket() else { return false }
        defer { close(fd) }
        guard var address = try? UnixSocket.address(path) else { return false }
        return UnixSocket.withSockaddr(&address, { connect(fd, $0, $1) }) == 0
    }
}
