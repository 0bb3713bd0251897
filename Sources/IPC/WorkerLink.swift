#if canImport(Glibc)
import Glibc
import MonotonicTime
import Synchronization

/// The worker's end of the supervisor link (fd 3).
///
/// ```swift
/// let link = try WorkerLink.adopt()           // blocks until `start` arrives
/// let config = try parse(link.startInfo.configJSON)
/// link.startReading(
///     onCommand: { command in /* .drain(deadlineMs:) or .stop, on the reader thread */ },
///     onSupervisorGone: { exit(0) }
/// )
/// // bind the listener, connect Redis, then:
/// link.send(.ready)
/// // every second, from the event loop:
/// link.send(.heartbeat(Heartbeat(connections: n, ...)))
/// ```
///
/// Signals: the kernel sends `SIGTERM` when the supervisor dies (`PR_SET_PDEATHSIG`),
/// and systemd may send `SIGTERM` to every process of the unit on stop; a worker should
/// treat `SIGTERM` like `.drain`. `SIGPIPE` is ignored process-wide by ``adopt``.
///
/// `send` never blocks and never throws: if the supervisor does not read for a while
/// (stopped, busy), frames queue up to ``maxPendingBytes`` and further ones are dropped
/// whole; they go out with the next `send` or ``flush(timeoutMs:)``. A worker that is
/// about to exit after sending (e.g. `bootFailed`) should call ``flush(timeoutMs:)``.
public final class WorkerLink: Sendable {
    /// What the supervisor sent first.
    public let startInfo: StartInfo
    /// The link's file descriptor (close-on-exec).
    public let fd: Int32
    /// Cap on queued, unsent bytes.
    public let maxPendingBytes: Int

    private let diagnostics: @Sendable (String) -> Void
    private let state: Mutex<State>

    private struct State: ~Copyable {
        /// Frames (or the unsent tail of one) waiting for room in the socket buffer.
        var pending: [UInt8] = []
        var droppedFrames = 0
        var closed = false
        var peerGone = false
        /// The descriptor is open. Only ever closed under the lock, so nothing else
        /// here can touch its number after it was reused.
        var descriptorOpen = true
        var readerStarted = false
        /// Bytes read while waiting for `start` that belong to later frames.
        var decoder: FrameDecoder?
    }

    private init(fd: Int32, startInfo: StartInfo, decoder: FrameDecoder, maxPendingBytes: Int,
                 diagnostics: @escaping @Sendable (String) -> Void) {
        self.fd = fd
        self.startInfo = startInfo
        self.maxPendingBytes = maxPendingBytes
        self.diagnostics = diagnostics
        self.state = Mutex(State(decoder: decoder))
    }

    /// Takes over the link the supervisor handed to this process.
    ///
    /// In order: ignores `SIGPIPE` process-wide; checks `fd` is a socket; arms
    /// `PR_SET_PDEATHSIG` = `SIGTERM` and then exits (status 1) if the parent is no longer
    /// the supervisor (it died before the signal was armed); unsets systemd's variables
    /// (``IPCProtocol/systemdEnvironmentKeys``); blocks until `start` arrives; answers
    /// with `hello`.
    ///
    /// - Parameters:
    ///   - expectedSupervisorPID: the parent to expect; by default read from
    ///     ``IPCProtocol/supervisorPIDEnvironmentKey`` (no check when absent).
    ///   - startTimeoutMs: how long to wait for `start`.
    ///   - diagnostics: where the link reports problems (default: stderr, warning level).
    public static func adopt(
        fd: Int32 = IPCProtocol.workerLinkFD,
        expectedSupervisorPID: pid_t? = nil,
        startTimeoutMs: Int32 = 30_000,
        maxPendingBytes: Int = 4 << 20,
        diagnostics: @escaping @Sendable (String) -> Void = WorkerLink.logToStandardError
    ) throws(IPCError) -> WorkerLink {
        signal(SIGPIPE, SIG_IGN)
        guard LinkSocket.isSocket(fd) else { throw .notASupervisedWorker(fd: fd) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)

        if !Prctl.setParentDeathSignal(SIGTERM) {
            diagnostics("could not arm PR_SET_PDEATHSIG; relying on link EOF only")
        }
        let expectedParent = expectedSupervisorPID ?? supervisorPIDFromEnvironment()
        if let expectedParent, getppid() != expectedParent {
            diagnostics("supervisor \(expectedParent) is gone (parent is now \(getppid())); exiting")
            exit(1)
        }
        for key in IPCProtocol.systemdEnvironmentKeys { unsetenv(key) }

        var decoder = FrameDecoder()
        let startInfo = try readStart(fd: fd, decoder: &decoder, timeoutMs: startTimeoutMs)
        let link = WorkerLink(fd: fd, startInfo: startInfo, decoder: decoder,
                              maxPendingBytes: maxPendingBytes, diagnostics: diagnostics)
        link.send(.hello(Hello(pid: getpid(), generation: startInfo.generation, index: startInfo.index)))
        return link
    }

    /// Starts the dedicated reader thread (once; later calls are ignored). Both callbacks
    /// run on that thread. Commands sent before this call wait in the socket buffer.
    ///
    /// - Parameters:
    ///   - onCommand: `.drain(deadlineMs:)` or `.stop`.
    ///   - onSupervisorGone: the link reached EOF (or broke): the supervisor is gone, and
    ///     nobody will restart or drain this worker. Exit. Not called after ``close()``.
    public func startReading(
        onCommand: @escaping @Sendable (SupervisorMessage) -> Void,
        onSupervisorGone: @escaping @Sendable () -> Void
    ) {
        let decoder: FrameDecoder? = state.withLock { state in
            guard !state.readerStarted, !state.closed, state.descriptorOpen else { return nil }
            state.readerStarted = true
            defer { state.decoder = nil }
            return state.decoder
        }
        guard let decoder else { return }
        do {
            try DetachedThread.start(name: "ipc-reader") { [self] in
                readLoop(decoder: decoder, onCommand: onCommand, onSupervisorGone: onSupervisorGone)
            }
        } catch {
            diagnostics("cannot start the IPC reader thread: \(error)")
            onSupervisorGone()
        }
    }

    /// Queues `message` and writes as much as the socket takes without blocking.
    /// Thread-safe; never throws. Problems are reported to `diagnostics` only.
    public func send(_ message: WorkerMessage) {
        let bytes: [UInt8]
        do {
            bytes = try message.encoded()
        } catch {
            diagnostics("dropping \(message.type) message: \(error)")
            return
        }
        let report: String? = state.withLock { state in
            guard !state.closed, !state.peerGone, state.descriptorOpen else { return nil }
            if !state.pending.isEmpty, state.pending.count + bytes.count > maxPendingBytes {
                state.droppedFrames += 1
                // Report the first drop and then every 100th, not every heartbeat.
                return state.droppedFrames % 100 == 1
                    ? "supervisor is not reading; dropped \(state.droppedFrames) message(s)" : nil
            }
            state.pending.append(contentsOf: bytes)
            return flushLocked(&state)
        }
        if let report { diagnostics(report) }
    }

    /// Blocks until every queued byte is written, the peer is gone, or `timeoutMs` passed.
    /// Returns true when nothing is left queued.
    @discardableResult
    public func flush(timeoutMs: Int32 = 1_000) -> Bool {
        let deadline = MonotonicClock.milliseconds() + Int64(timeoutMs)
        while true {
            let (empty, gone) = state.withLock { state in
                _ = flushLocked(&state)
                return (state.pending.isEmpty, state.peerGone || state.closed || !state.descriptorOpen)
            }
            if empty { return true }
            if gone { return false }
            let left = deadline - MonotonicClock.milliseconds()
            if left <= 0 { return false }
            _ = LinkSocket.wait(fd, events: Int16(POLLOUT), timeoutMs: Int32(min(left, 100)))
        }
    }

    /// Stops the link: no more sends, the reader thread ends without calling
    /// `onSupervisorGone`, and the descriptor is closed.
    public func close() {
        state.withLock { state in
            guard !state.closed else { return }
            state.closed = true
            state.pending = []
            guard state.descriptorOpen else { return }
            if state.readerStarted {
                // Wakes the reader blocked in read(); it closes the descriptor itself, so
                // that the number cannot be reused under its feet.
                _ = shutdown(fd, Int32(SHUT_RDWR))
            } else {
                _ = Glibc.close(fd)
                state.descriptorOpen = false
            }
        }
    }

    /// Whether the descriptor is still open (for tests).
    var isDescriptorOpen: Bool { state.withLock { $0.descriptorOpen } }

    /// Default `diagnostics`: one line on stderr with the sd-daemon warning prefix.
    public static let logToStandardError: @Sendable (String) -> Void = { message in
        let line = Array("<4>worker link: \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    // MARK: - Private

    /// Writes queued bytes until done or the socket is full. Returns a line to report, if any.
    private func flushLocked(_ state: inout State) -> String? {
        guard state.descriptorOpen else {
            state.pending = []
            return nil
        }
        while !state.pending.isEmpty {
            switch LinkSocket.sendNonBlocking(fd, state.pending[...]) {
            case let .sent(count):
                state.pending.removeFirst(count)
            case .wouldBlock:
                return nil
            case let .failed(error):
                state.peerGone = true
                state.pending = []
                // EPIPE/ECONNRESET mean the supervisor is gone; the reader reports that.
                return error == EPIPE || error == ECONNRESET ? nil : "send failed: errno \(error)"
            }
        }
        return nil
    }

    private func readLoop(
        decoder: FrameDecoder,
        onCommand: @Sendable (SupervisorMessage) -> Void,
        onSupervisorGone: @Sendable () -> Void
    ) {
        var decoder = decoder
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer {
            buffer.deallocate()
            state.withLock { state in
                state.descriptorOpen = false
                state.pending = []
                _ = Glibc.close(fd)
            }
        }
        reading: while true {
            do {
                while let frame = try decoder.nextFrame() {
                    let message = try SupervisorMessage(frame: frame)
                    if case .start = message {
                        diagnostics("ignoring a second start message")
                        continue
                    }
                    onCommand(message)
                }
            } catch {
                if !isClosed { diagnostics("protocol error from supervisor: \(error)") }
                break reading
            }
            switch LinkSocket.read(fd, into: buffer) {
            case .success(0):
                break reading
            case let .success(count):
                decoder.feed(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            case let .failure(error):
                if !isClosed { diagnostics("reading from supervisor failed: \(error)") }
                break reading
            }
        }
        if !isClosed { onSupervisorGone() }
    }

    private var isClosed: Bool { state.withLock { $0.closed } }

    private static func supervisorPIDFromEnvironment() -> pid_t? {
        guard let value = getenv(IPCProtocol.supervisorPIDEnvironmentKey) else { return nil }
        return pid_t(String(cString: value))
    }

    /// Reads until the first frame, which must be `start`.
    private static func readStart(fd: Int32, decoder: inout FrameDecoder, timeoutMs: Int32) throws(IPCError) -> StartInfo {
        let deadline = MonotonicClock.milliseconds() + Int64(timeoutMs)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            if let frame = try decoder.nextFrame() {
                let message = try SupervisorMessage(frame: frame)
                guard case let .start(info) = message else {
                    throw .unexpectedMessage("\(message.type) before start")
                }
                return info
            }
            let left = deadline - MonotonicClock.milliseconds()
            guard left > 0, LinkSocket.wait(fd, timeoutMs: Int32(left)) else {
                throw .timedOut("waiting for the supervisor's start message")
            }
            let result = buffer.withUnsafeMutableBytes { LinkSocket.read(fd, into: $0) }
            switch result {
            case .success(0): throw .connectionClosed
            case let .success(count): decoder.feed(buffer[..<count])
            case let .failure(error): throw error
            }
        }
    }
}
#endif
