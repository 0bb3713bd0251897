import Foundation
import Glibc
import Logging
import NIOCore
import NIOPosix

/// Accepts connections on a listening socket that other processes may be accepting on
/// too (systemd socket activation shares one socket between all workers; a supervisor
/// slot's socket is shared by the old and the new worker during a reload).
///
/// Why not NIO's `ServerBootstrap.withBoundSocket`: every process polling a shared
/// socket is woken for each connection, and all but one then find nothing to accept.
/// NIO treats that as impossible (a debug assertion in `BaseSocketChannel.readable0`), so
/// a debug build crashes under that race. Here a thread polls the socket, accepts
/// without blocking (EAGAIN: another process won, fine), and hands each connection to
/// the event loop as an already-connected socket.
final class InheritedSocketAcceptor: @unchecked Sendable {
    // @unchecked: `stopped` is guarded by `state`; the fds are set once.
    private let listenFD: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let bootstrap: ClientBootstrap
    private let logger: Logger
    private let state = NSCondition()
    private var stopped = false
    private var finished = false

    /// - Parameter bootstrap: configured with the connection's options and initializer.
    init(listenFD: Int32, bootstrap: ClientBootstrap, logger: Logger) throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw IOError(errnoCode: errno, reason: "pipe")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        self.listenFD = listenFD
        self.wakeRead = fds[0]
        self.wakeWrite = fds[1]
        self.bootstrap = bootstrap
        self.logger = logger
        let flags = fcntl(listenFD, F_GETFL)
        _ = fcntl(listenFD, F_SETFL, flags | O_NONBLOCK)
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "acceptor"
        thread.start()
    }

    /// Stops accepting and closes this process's descriptor of the socket (the other
    /// processes sharing it keep accepting). Returns once the thread has ended.
    func stop() {
        state.lock()
        defer { state.unlock() }
        guard !stopped else { return }
        stopped = true
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        let deadline = Date().addingTimeInterval(2)
        while !finished, state.wait(until: deadline) {}
        close(listenFD)
        close(wakeRead)
        close(wakeWrite)
    }

    private func run() {
        defer {
            state.lock()
            finished = true
            state.broadcast()
            state.unlock()
        }
        var descriptors = [pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        while true {
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                logger.error("acceptor: poll failed: \(String(cString: strerror(errno)))")
                return
            }
            if descriptors[1].revents != 0 { return }
            // Accept everything pending; EAGAIN means another process took it.
            while true {
                let client = accept(listenFD, nil, nil)
                if client < 0 {
                    switch errno {
                    case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED: break
                    case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                        // Out of descriptors: back off briefly instead of spinning on poll.
                        logger.warning("acceptor: cannot accept: \(String(cString: strerror(errno)))")
                        usleep(10_000)
                    default:
                        logger.error("acceptor: accept failed: \(String(cString: strerror(errno)))")
                    }
                    break
                }
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
                bootstrap.withConnectedSocket(client).whenFailure { [logger] error in
                    logger.debug("acceptor: connection setup failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
