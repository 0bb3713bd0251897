import Glibc
import IPC
import MonotonicTime
import Synchronization

/// The supervisor's side of a socketpair, for driving a `WorkerLink` in-process.
final class LinkPeer {
    let fd: Int32
    let workerFD: Int32
    private var decoder = FrameDecoder()

    init() throws {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else {
            throw IPCError.system(call: "socketpair", errno: errno)
        }
        fd = pair[0]
        workerFD = pair[1]
    }

    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { return }
            offset += written
        }
    }

    func send(_ message: SupervisorMessage) throws {
        write(try message.encoded())
    }

    /// The next message from the worker, or nil after `timeoutMs`.
    func receive(timeoutMs: Int32 = 2_000) throws -> WorkerMessage? {
        let deadline = MonotonicClock.milliseconds() + Int64(timeoutMs)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let frame = try decoder.nextFrame() { return try WorkerMessage(frame: frame) }
            let left = deadline - MonotonicClock.milliseconds()
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard left > 0, poll(&descriptor, 1, Int32(left)) > 0 else { return nil }
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { return nil }
            decoder.feed(buffer[..<count])
        }
    }

    func closePeer() {
        close(fd)
    }
}

/// Collects what a link's callbacks report, from its reader thread.
final class CallbackLog: Sendable {
    private let state = Mutex<(commands: [SupervisorMessage], gone: Int)>(([], 0))

    var commands: [SupervisorMessage] { state.withLock { $0.commands } }
    var goneCount: Int { state.withLock { $0.gone } }

    func record(_ command: SupervisorMessage) { state.withLock { $0.commands.append(command) } }
    func recordGone() { state.withLock { $0.gone += 1 } }
}

/// Polls `condition` until it holds or `timeoutMs` passes.
func eventually(timeoutMs: Int64 = 2_000, _ condition: () -> Bool) async -> Bool {
    let deadline = MonotonicClock.milliseconds() + timeoutMs
    while !condition() {
        if MonotonicClock.milliseconds() > deadline { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return true
}
