import Foundation
import Glibc
import Synchronization

/// A fake systemd: an `AF_UNIX` datagram socket in a temp directory that records every
/// `sd_notify` datagram with its arrival time.
final class NotifySocket: Sendable {
    struct Datagram: Sendable {
        /// `CLOCK_MONOTONIC` ms at arrival.
        var at: Int64
        var text: String

        /// `KEY=value` lines.
        var fields: [String: String] {
            Dictionary(text.split(separator: "\n").compactMap { line in
                line.firstIndex(of: "=").map { (String(line[..<$0]), String(line[line.index(after: $0)...])) }
            }, uniquingKeysWith: { _, last in last })
        }
    }

    let path: String
    private let fd: Int32
    private let state = Mutex<(running: Bool, finished: Bool, datagrams: [Datagram])>((true, false, []))
    private let onDatagram: (@Sendable (Datagram) -> Void)?

    /// `onDatagram` runs on the receiving thread as each datagram arrives, before the
    /// datagram is visible to waiters (to check the world at that very moment).
    init(directory: String, onDatagram: (@Sendable (Datagram) -> Void)? = nil) throws {
        path = directory + "/notify.sock"
        self.onDatagram = onDatagram
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (offset, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[offset] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw TestFailure("cannot bind \(path): errno \(errno)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in receive() }
        thread.name = "notify-socket"
        thread.start()
    }

    var datagrams: [Datagram] { state.withLock { $0.datagrams } }

    /// The first datagram at or after `since` satisfying `matching`, waiting up to `timeoutMs`.
    func first(since: Int64 = 0, timeoutMs: Int64, matching: (Datagram) -> Bool) async -> Datagram? {
        await eventually(timeoutMs: timeoutMs) {
            datagrams.first { $0.at >= since && matching($0) }
        }
    }

    /// The first datagram after `since` that assigns `key` (to `value`, if given).
    func first(_ key: String, value: String? = nil, since: Int64 = 0, timeoutMs: Int64) async -> Datagram? {
        await first(since: since, timeoutMs: timeoutMs) { datagram in
            guard let found = datagram.fields[key] else { return false }
            return value == nil || found == value
        }
    }

    /// Arrival times of `WATCHDOG=1` within `[from, to]`.
    func watchdogTimes(from: Int64, to: Int64 = .max) -> [Int64] {
        datagrams.filter { $0.fields["WATCHDOG"] == "1" && $0.at >= from && $0.at <= to }.map(\.at)
    }

    func stop() async {
        state.withLock { $0.running = false }
        _ = await eventually(timeoutMs: 2_000) { state.withLock { $0.finished } }
        close(fd)
        unlink(path)
    }

    private func receive() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while state.withLock({ $0.running }) {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { continue }
            let datagram = Datagram(at: nowMs(), text: String(decoding: buffer[..<count], as: UTF8.self))
            onDatagram?(datagram)
            state.withLock { $0.datagrams.append(datagram) }
        }
        state.withLock { $0.finished = true }
    }
}
