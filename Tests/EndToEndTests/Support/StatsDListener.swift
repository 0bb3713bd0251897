import Foundation
import TestSupport
import Glibc
import Synchronization

/// A UDP StatsD server for tests: records every line it receives.
final class StatsDListener: Sendable {
    struct Line: Sendable, Equatable {
        var name: String
        var value: Double
        var type: String
        var tags: String?
    }

    let port: Int
    private let fd: Int32
    private let state = Mutex<(running: Bool, finished: Bool, lines: [Line], raw: [String])>((true, false, [], []))

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw TestFailure("cannot bind a UDP port: errno \(errno)") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in receive() }
        thread.name = "statsd-listener"
        thread.start()
    }

    var lines: [Line] { state.withLock { $0.lines } }
    var rawLines: [String] { state.withLock { $0.raw } }

    /// The sum of a counter over every datagram received.
    func sum(_ name: String) -> Int64 {
        Int64(lines.filter { $0.name == name && $0.type == "c" }.reduce(0) { $0 + $1.value })
    }

    /// A gauge's latest value.
    func gauge(_ name: String) -> Int64? {
        lines.last { $0.name == name && $0.type == "g" }.map { Int64($0.value) }
    }

    func stop() async {
        state.withLock { $0.running = false }
        _ = await eventually(timeoutMs: 2_000) { state.withLock { $0.finished } }
        close(fd)
    }

    private func receive() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while state.withLock({ $0.running }) {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { continue }
            let text = String(decoding: buffer[..<n], as: UTF8.self)
            let parsed = text.split(separator: "\n").compactMap(Self.parse)
            state.withLock {
                $0.lines += parsed
                $0.raw += text.split(separator: "\n").map(String.init)
            }
        }
        state.withLock { $0.finished = true }
    }

    /// `name:value|type[|@rate][|#tags]`
    static func parse(_ line: Substring) -> Line? {
        let parts = line.split(separator: "|")
        guard parts.count >= 2, let colon = parts[0].lastIndex(of: ":"), let value = Double(parts[0][parts[0].index(after: colon)...])
        else { return nil }
        let tags = parts.dropFirst(2).first { $0.hasPrefix("#") }.map { String($0.dropFirst()) }
        return Line(name: String(parts[0][..<colon]), value: value, type: String(parts[1]), tags: tags)
    }
}
