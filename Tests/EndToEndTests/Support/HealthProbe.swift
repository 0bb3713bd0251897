import Foundation
import Glibc

/// `GET /health` over a plain blocking socket, reporting which worker answered.
enum HealthProbe {
    enum Failure: Error, CustomStringConvertible {
        case connect(Int32)
        case io(String)
        case status(String)

        var description: String {
            switch self {
            case .connect(let code): "connect: \(String(cString: strerror(code)))"
            case .io(let what): what
            case .status(let line): "unexpected response: \(line)"
            }
        }
    }

    /// One request on a fresh connection. On success, the pid among `candidates` that
    /// owns the server side of the connection (nil if none of them does).
    static func get(port: Int, candidates: @autoclosure () -> Set<Int32> = [], timeoutMs: Int = 2_000) -> Result<Int32?, Failure> {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(.connect(errno)) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutMs / 1000, tv_usec: Int((timeoutMs % 1000) * 1000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return .failure(.connect(errno)) }
        let request = Array("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return .failure(.io("send: \(errno)")) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !(response.count >= 4 && String(decoding: response, as: UTF8.self).hasSuffix("\r\n\r\nOK")) {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return .failure(.io(n == 0 ? "connection closed after \(response.count) bytes" : "recv: \(String(cString: strerror(errno)))")) }
            response += buffer[..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200") else { return .failure(.status(String(text.prefix(40)))) }
        // The connection is still open (keep-alive): look up who serves it.
        return .success(SocketOwner.owner(serverPort: port, clientPort: localPort(fd), among: candidates()))
    }

    /// The distinct workers that answered `count` requests.
    static func answeringPIDs(port: Int, count: Int, candidates: @autoclosure () -> Set<Int32>, timeoutMs: Int = 2_000) -> Set<Int32> {
        var pids: Set<Int32> = []
        for _ in 0..<count {
            if case .success(let pid?) = get(port: port, candidates: candidates(), timeoutMs: timeoutMs) { pids.insert(pid) }
        }
        return pids
    }

    static func localPort(_ fd: Int32) -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// Holds a port with a listening socket (to make it "taken").
    static func occupy(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw TestFailure("cannot occupy port \(port): errno \(errno)") }
        return fd
    }
}
