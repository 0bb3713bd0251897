import Glibc
@testable import IPC
import MonotonicTime
import Testing

@Suite("WorkerLink")
struct WorkerLinkTests {
    private static let start = StartInfo(generation: 4, index: 1, configJSON: #"{"port":8080}"#)

    /// A link adopted over a fresh socketpair, with `start` already sent.
    private func adoptedLink(_ peer: LinkPeer, extra: [SupervisorMessage] = []) throws -> WorkerLink {
        peer.write(try ([SupervisorMessage.start(Self.start)] + extra).flatMap { try $0.encoded() })
        return try WorkerLink.adopt(fd: peer.workerFD, expectedSupervisorPID: getppid(), diagnostics: { _ in })
    }

    @Test("adopt waits for start, answers hello, and prepares the process")
    func adopt() throws {
        setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1)
        setenv("WATCHDOG_USEC", "1000000", 1)
        let peer = try LinkPeer()
        let link = try adoptedLink(peer)
        defer { link.close(); peer.closePeer() }

        #expect(link.startInfo == Self.start)
        #expect(try peer.receive() == .hello(Hello(pid: getpid(), generation: 4, index: 1)))
        #expect(Prctl.parentDeathSignal() == SIGTERM)
        #expect(fcntl(peer.workerFD, F_GETFD) & FD_CLOEXEC != 0)
        #expect(getenv("NOTIFY_SOCKET") == nil)
        #expect(getenv("WATCHDOG_USEC") == nil)
    }

    @Test("sent messages arrive whole and in order")
    func sendOrder() throws {
        let peer = try LinkPeer()
        let link = try adoptedLink(peer)
        defer { link.close(); peer.closePeer() }
        _ = try peer.receive()  // hello
        for message in Fixtures.workerMessages { link.send(message) }
        for message in Fixtures.workerMessages { #expect(try peer.receive() == message) }
    }

    @Test("commands reach onCommand, even those sent together with start")
    func commands() async throws {
        let peer = try LinkPeer()
        let link = try adoptedLink(peer, extra: [.drain(deadlineMs: 250)])
        defer { link.close(); peer.closePeer() }
        let log = CallbackLog()
        link.startReading(onCommand: log.record, onSupervisorGone: log.recordGone)
        try peer.send(.stop)
        #expect(await eventually { log.commands.count == 2 })
        #expect(log.commands == [.drain(deadlineMs: 250), .stop])
        #expect(log.goneCount == 0)
    }

    @Test("EOF on the link calls onSupervisorGone once")
    func supervisorGone() async throws {
        let peer = try LinkPeer()
        let link = try adoptedLink(peer)
        defer { link.close() }
        let log = CallbackLog()
        link.startReading(onCommand: log.record, onSupervisorGone: log.recordGone)
        peer.closePeer()
        #expect(await eventually { log.goneCount == 1 })
        // Sending to a dead supervisor neither raises SIGPIPE nor throws.
        link.send(.heartbeat(Fixtures.heartbeat))
        link.send(.ready)
        try await Task.sleep(for: .milliseconds(50))
        #expect(log.goneCount == 1)
    }

    @Test("close() stops the reader without reporting the supervisor gone")
    func closeIsQuiet() async throws {
        let peer = try LinkPeer()
        let link = try adoptedLink(peer)
        defer { peer.closePeer() }
        let log = CallbackLog()
        link.startReading(onCommand: log.record, onSupervisorGone: log.recordGone)
        link.close()
        // The reader thread closes the descriptor once it has stopped.
        #expect(await eventually { !link.isDescriptorOpen })
        #expect(log.goneCount == 0)
    }

    @Test("a supervisor that does not read never blocks send, and frames stay whole")
    func sendNeverBlocks() throws {
        let peer = try LinkPeer()
        var small: Int32 = 4_096
        setsockopt(peer.workerFD, SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        peer.write(try SupervisorMessage.start(Self.start).encoded())
        let link = try WorkerLink.adopt(fd: peer.workerFD, expectedSupervisorPID: getppid(),
                                        maxPendingBytes: 64 * 1024, diagnostics: { _ in })
        defer { link.close(); peer.closePeer() }

        let began = MonotonicClock.milliseconds()
        for _ in 0..<5_000 { link.send(.heartbeat(Fixtures.heartbeat)) }
        #expect(MonotonicClock.milliseconds() - began < 2_000)

        // Whatever was kept decodes cleanly: hello, then whole heartbeats only.
        #expect(try peer.receive() == .hello(Hello(pid: getpid(), generation: 4, index: 1)))
        var heartbeats = 0
        while let message = try peer.receive(timeoutMs: 200) {
            #expect(message == .heartbeat(Fixtures.heartbeat))
            heartbeats += 1
            if heartbeats % 50 == 0 { link.flush(timeoutMs: 0) }
        }
        #expect(heartbeats > 0)
        #expect(heartbeats < 5_000)
    }

    @Test("adopt refuses a descriptor that is not a socket")
    func notASocket() throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        #expect(throws: IPCError.notASupervisedWorker(fd: fds[0])) {
            try WorkerLink.adopt(fd: fds[0], diagnostics: { _ in })
        }
    }

    @Test("adopt refuses a first message other than start")
    func startFirst() throws {
        let peer = try LinkPeer()
        defer { peer.closePeer(); close(peer.workerFD) }
        try peer.send(.stop)
        #expect(throws: IPCError.self) {
            try WorkerLink.adopt(fd: peer.workerFD, expectedSupervisorPID: getppid(), diagnostics: { _ in })
        }
    }

    @Test("adopt fails on EOF, garbage or silence instead of hanging")
    func adoptFailures() throws {
        let closed = try LinkPeer()
        closed.closePeer()
        #expect(throws: IPCError.connectionClosed) {
            try WorkerLink.adopt(fd: closed.workerFD, expectedSupervisorPID: getppid(), diagnostics: { _ in })
        }
        close(closed.workerFD)

        let garbage = try LinkPeer()
        garbage.write([0xff, 0xff, 0xff, 0xff, 1, 0x81])
        #expect(throws: IPCError.frameTooLarge(length: 0xffff_ffff, limit: IPCProtocol.maxFrameBytes)) {
            try WorkerLink.adopt(fd: garbage.workerFD, expectedSupervisorPID: getppid(), diagnostics: { _ in })
        }
        garbage.closePeer()
        close(garbage.workerFD)

        let silent = try LinkPeer()
        #expect(throws: IPCError.timedOut("waiting for the supervisor's start message")) {
            try WorkerLink.adopt(fd: silent.workerFD, expectedSupervisorPID: getppid(), startTimeoutMs: 100,
                                 diagnostics: { _ in })
        }
        silent.closePeer()
        close(silent.workerFD)
    }
}
