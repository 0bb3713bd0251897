import Foundation
import Glibc

/// A client that sends and never reads: it writes `prefix`, then `unit` over and over on
/// a non-blocking socket with a small receive buffer, until `totalBytes` went out, the
/// peer closed, or `seconds` passed. Nothing is ever read from the socket.
final class RawFlood {
    struct Outcome {
        var sent: Int
        var closedByPeer: Bool
    }

    private let fd: Int32

    init(port: Int) throws {
        fd = try Self.openSocket(port: port, receiveBuffer: 4_096)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(fd) }

    /// Writes `prefix`, then `unit` over and over, until `totalBytes` went out, the peer
    /// closed, or `seconds` passed.
    func run(prefix: [UInt8] = [], unit: [UInt8], totalBytes: Int, seconds: Double) -> Outcome {
        let chunk = prefix + Array([[UInt8]](repeating: unit, count: max(1, 65_536 / unit.count)).joined())
        var outcome = Outcome(sent: 0, closedByPeer: false)
        var offset = 0  // into `chunk`: after the first pass, chunks start past the prefix
        let deadline = Date(timeIntervalSinceNow: seconds)
        while outcome.sent < totalBytes, Date() < deadline {
            let length = min(chunk.count - offset, totalBytes - outcome.sent)
            let n = chunk.withUnsafeBytes { send(fd, $0.baseAddress! + offset, length, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                outcome.sent += n
                offset += n
                if offset == chunk.count { offset = prefix.count }
            } else if n < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&poller, 1, 50)
            } else {
                outcome.closedByPeer = true
                break
            }
        }
        return outcome
    }
}

/// Resident memory of processes, from `/proc/<pid>/status`.
enum ResidentMemory {
    static func bytes(of pids: some Sequence<Int32>) -> Int {
        pids.reduce(0) { total, pid in
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
                  let kib = Int(line.split(separator: " ").dropFirst().first ?? "") else { return total }
            return total + kib * 1_024
        }
    }
}

extension RawFlood {
    /// A connected TCP socket to `127.0.0.1:port` that sends nothing (the caller closes
    /// it); with `receiveBuffer`, a small `SO_RCVBUF` set before connecting.
    static func openSocket(port: Int, receiveBuffer: Int32? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, connected == 0 else {
            close(fd)
            throw TestFailure("connect: errno \(errno)")
        }
        return fd
    }
}

/// Slowloris: `count` connections that each send a request head one byte at a time,
/// every `intervalMs`, and never finish it. Returns how many the server had closed when
/// `seconds` passed (a closed one reads EOF or fails to send).
enum Slowloris {
    static func run(port: Int, count: Int, intervalMs: Int, seconds: Double) throws -> (closed: Int, opened: Int) {
        let head = Array("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 4_096)
        var fds: [Int32] = []
        defer { fds.forEach { close($0) } }
        for _ in 0..<count {
            let fd = try RawFlood.openSocket(port: port)
            fds.append(fd)
        }
        var sent = [Int](repeating: 0, count: count)
        var closed = Set<Int>()
        let deadline = Date(timeIntervalSinceNow: seconds)
        var scratch = [UInt8](repeating: 0, count: 256)
        while Date() < deadline {
            for (index, fd) in fds.enumerated() where !closed.contains(index) {
                let eof = recv(fd, &scratch, scratch.count, Int32(MSG_DONTWAIT))
                let gone = eof == 0 || (eof < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                    || send(fd, [head[sent[index] % head.count]], 1, Int32(MSG_NOSIGNAL)) < 0
                if gone { closed.insert(index) } else { sent[index] += 1 }
            }
            usleep(useconds_t(intervalMs * 1_000))  // The attacker's pace, not synchronisation.
        }
        return (closed.count, count)
    }
}
