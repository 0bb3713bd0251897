import Foundation
import Glibc
import Logging
import MonotonicTime
import NIOCore
import NIOPosix
import RedisStreams

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
///
/// Its thread has the worker's thread lifecycle (`start`, `stop`, `join`): its `poll()`
/// watches the threads' interrupter beside the socket.
final class InheritedSocketAcceptor: ThreadLifecycle, @unchecked Sendable {
    // @unchecked: every stored property is set once; the bootstrap is only read.
    private let listenFD: Int32
    private let bootstrap: ClientBootstrap
    private let logger: Logger
    private let thread = ServiceThreads(name: "acceptor")
    /// Out of descriptors: logged when it starts, then once a minute with a count.
    private var exhaustionLog = OncePerKind()
    private var shed = 0

    /// - Parameter bootstrap: configured with the connection's options and initializer.
    init(listenFD: Int32, bootstrap: ClientBootstrap, logger: Logger) {
        self.listenFD = listenFD
        self.bootstrap = bootstrap
        self.logger = logger
        let flags = fcntl(listenFD, F_GETFL)
        _ = fcntl(listenFD, F_SETFL, flags | O_NONBLOCK)
    }

    func start() {
        thread.start { [self] _ in run() }
    }

    /// Stops accepting. The thread closes this process's descriptor of the socket as it
    /// ends (the other processes sharing it keep accepting); `join` waits for that.
    func stop() {
        thread.stop()
    }

    @discardableResult
    func join(timeoutMs: Int? = nil) -> Bool {
        thread.join(timeoutMs: timeoutMs)
    }

    private func run() {
        defer { close(listenFD) }
        var reserve = DescriptorReserve()
        let wake = thread.interrupter.descriptor
        var descriptors = [pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
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
                    case EMFILE, ENFILE:
                        // Out of descriptors: shed the waiting connection with the
                        // reserve descriptor (a quick close, not a hang in the queue).
                        let reason = String(cString: strerror(errno))
                        shed += reserve.shedOne(listenFD) ? 1 : 0
                        if let leftOut = exhaustionLog.admit(reason, at: MonotonicClock.milliseconds()) {
                            logger.warning(
                                "acceptor: out of file descriptors; shedding new connections until sockets close",
                                metadata: ["error": "\(reason)", "shed": "\(shed)", "alike_not_logged": "\(leftOut)"])
                        }
                        usleep(1_000)
                    case ENOBUFS, ENOMEM:
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
