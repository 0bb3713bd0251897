import Foundation
import Glibc
import MonotonicTime

/// A fake systemd: an `AF_UNIX` datagram socket given to the service as `NOTIFY_SOCKET`,
/// recording every `sd_notify` datagram with its arrival time. The end-to-end tests
/// read the whole history (watchdog timing, STATUS= lines); the benchmark driver just
/// waits for `READY=1`.
public final class NotifySocket: @unchecked Sendable {
    // @unchecked: the mutable state is guarded by `condition`.

    public struct Datagram: Sendable {
        /// `CLOCK_MONOTONIC` ms at arrival (`MonotonicClock`, the supervisor's clock).
        public var at: Int64
        public var text: String

        /// `KEY=value` lines.
        public var fields: [String: String] {
            Dictionary(text.split(separator: "\n").compactMap { line in
                line.firstIndex(of: "=").map { (String(line[..<$0]), String(line[line.index(after: $0)...])) }
            }, uniquingKeysWith: { _, last in last })
        }
    }

    public let path: String
    private let fd: Int32
    private let condition = NSCondition()
    private var running = true
    private var finished = false
    private var received: [Datagram] = []
    private let onDatagram: (@Sendable (Datagram) -> Void)?

    /// Binds `<directory>/notify.sock`. `onDatagram` runs on the receiving thread as each
    /// datagram arrives, before the datagram is visible to waiters (to check the world
    /// at that very moment).
    public init(directory: String, onDatagram: (@Sendable (Datagram) -> Void)? = nil) throws {
        path = directory + "/notify.sock"
        self.onDatagram = onDatagram
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (offset, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[offset] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw ChildProcess.Failure("cannot bind \(path): errno \(errno)")
        }
        // The receiving thread checks `running` at least every 100 ms.
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in receive() }
        thread.name = "notify-socket"
        thread.start()
    }

    public var datagrams: [Datagram] { condition.withLock { received } }

    /// The first datagram at or after `since` satisfying `matching`, waiting up to `timeoutMs`.
    public func first(since: Int64 = 0, timeoutMs: Int64, matching: (Datagram) -> Bool) async -> Datagram? {
        await eventually(timeoutMs: timeoutMs) {
            datagrams.first { $0.at >= since && matching($0) }
        }
    }

    /// The first datagram after `since` that assigns `key` (to `value`, if given).
    public func first(_ key: String, value: String? = nil, since: Int64 = 0, timeoutMs: Int64) async -> Datagram? {
        await first(since: since, timeoutMs: timeoutMs) { $0.assigns(key, value) }
    }

    /// Blocks until a datagram assigns `key` (to `value`, if given), `seconds` pass, or
    /// `alive` says the sender is gone (asked whenever a datagram arrives and every 200 ms).
    public func waitFor(_ key: String, value: String? = nil, seconds: Double, alive: () -> Bool) -> Datagram? {
        let limit = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let found = received.first(where: { $0.assigns(key, value) }) { return found }
            guard Date() < limit, alive() else { return nil }
            _ = condition.wait(until: min(limit, Date(timeIntervalSinceNow: 0.2)))
        }
    }

    /// Arrival times of `WATCHDOG=1` within `[from, to]`.
    public func watchdogTimes(from: Int64, to: Int64 = .max) -> [Int64] {
        datagrams.filter { $0.fields["WATCHDOG"] == "1" && $0.at >= from && $0.at <= to }.map(\.at)
    }

    /// Stops the receiving thread and removes the socket.
    public func stop() {
        condition.lock()
        running = false
        while !finished { condition.wait() }
        condition.unlock()
        close(fd)
        unlink(path)
    }

    private func receive() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while condition.withLock({ running }) {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { continue }
            let datagram = Datagram(at: MonotonicClock.milliseconds(), text: String(decoding: buffer[..<count], as: UTF8.self))
            onDatagram?(datagram)
            condition.withLock {
                received.append(datagram)
                condition.broadcast()
            }
        }
        condition.withLock {
            finished = true
            condition.broadcast()
        }
    }
}

extension NotifySocket.Datagram {
    func assigns(_ key: String, _ value: String?) -> Bool {
        guard let found = fields[key] else { return false }
        return value == nil || found == value
    }
}
