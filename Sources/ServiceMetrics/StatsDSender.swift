import Foundation
import Glibc
import Logging

/// Sends datagrams to the StatsD host over UDP, never blocking the caller: the socket is
/// non-blocking and a datagram that cannot go now is dropped. Name resolution happens
/// here too, so call it from a thread of its own (the reporter's), never from a loop
/// that must stay responsive. Errors are counted and logged once per state change.
public final class StatsDSender {
    private let host: String
    private let port: Int
    private let logger: Logger
    private var address: (storage: sockaddr_storage, length: socklen_t)?
    private var fd: Int32 = -1
    private var resolvedAt: Int64 = 0
    private var failing: String?
    public private(set) var errors = 0
    public private(set) var datagramsSent = 0

    public init(host: String, port: Int, logger: Logger) {
        self.host = host
        self.port = port
        self.logger = logger
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    public func send(_ datagrams: [[UInt8]]) {
        guard !datagrams.isEmpty else { return }
        guard let target = resolve() else { return }
        for datagram in datagrams {
            var storage = target.storage
            let sent = datagram.withUnsafeBytes { bytes in
                withUnsafePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL), $0, target.length)
                    }
                }
            }
            if sent < 0 {
                fail("cannot send to StatsD \(host):\(port): \(String(cString: strerror(errno)))")
            } else {
                datagramsSent += 1
                recover()
            }
        }
    }

    /// Resolves the host (again every minute, so a moved StatsD is followed).
    private func resolve() -> (storage: sockaddr_storage, length: socklen_t)? {
        let now = Int64(Date().timeIntervalSince1970)
        if let address, now - resolvedAt < 60 { return address }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let info = result else {
            fail("cannot resolve StatsD host \(host): \(String(cString: gai_strerror(status)))")
            return address
        }
        defer { freeaddrinfo(result) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen)))
        }
        if fd >= 0 { close(fd) }
        fd = socket(info.pointee.ai_family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            fail("cannot open a UDP socket: \(String(cString: strerror(errno)))")
            return nil
        }
        address = (storage, info.pointee.ai_addrlen)
        resolvedAt = now
        return address
    }

    private func fail(_ reason: String) {
        errors += 1
        if failing == nil { logger.warning("\(reason); metrics are dropped until it works again") }
        failing = reason
    }

    private func recover() {
        if failing != nil { logger.notice("StatsD reachable again at \(host):\(port)") }
        failing = nil
    }
}
