import Glibc

/// The listening sockets the supervisor owns: one `SO_REUSEPORT` socket per slot index,
/// handed to whichever worker occupies that slot, in every generation.
///
/// Why the supervisor and not the workers: a socket closed while connections wait in
/// its accept queue resets them (unless `net.ipv4.tcp_migrate_req=1`). When workers
/// bind their own sockets, every drained, crashed or killed worker closes one. Here
/// the socket outlives its workers: a reload's new worker shares the old one's socket,
/// the old one just stops accepting, and a replacement picks up what queued while its
/// slot was empty. The kernel still spreads connections across the slots' sockets.
final class ListenerPool {
    private struct Key: Hashable {
        var address: ListenAddress
        var index: Int
    }

    private var sockets: [Key: Int32] = [:]

    /// The sockets for slots `0..<count` on `address`: the existing ones, plus newly
    /// bound ones. Binds all or nothing.
    func listeners(on address: ListenAddress, count: Int) throws(SupervisorExit) -> [Int32] {
        var bound: [Key] = []
        var result: [Int32] = []
        for index in 0..<count {
            let key = Key(address: address, index: index)
            if let fd = sockets[key] {
                result.append(fd)
                continue
            }
            switch Self.bindListener(address) {
            case let .success(fd):
                sockets[key] = fd
                bound.append(key)
                result.append(fd)
            case let .failure(error):
                for key in bound { close(sockets.removeValue(forKey: key)!) }
                throw error
            }
        }
        return result
    }

    /// Closes every socket not in `keep`. Workers still running on a closed socket keep
    /// their own descriptor, so it lives until they exit.
    func retainOnly(_ keep: [Int32]) {
        let keep = Set(keep)
        for (key, fd) in sockets where !keep.contains(fd) {
            close(fd)
            sockets[key] = nil
        }
    }

    func closeAll() {
        retainOnly([])
    }

    // MARK: - Binding

    private static func bindListener(_ address: ListenAddress) -> Result<Int32, SupervisorExit> {
        if address.host == nil {
            // Every interface: dual-stack IPv6, or IPv4 where IPv6 is off.
            let dualStack = bind(family: AF_INET6, numericHost: "::", port: address.port, dualStack: true)
            if case let .failure(error) = dualStack, error.code == EAFNOSUPPORT || error.code == EADDRNOTAVAIL {
                return bind(family: AF_INET, numericHost: "0.0.0.0", port: address.port, dualStack: false)
                    .mapError { failure(address, $0) }
            }
            return dualStack.mapError { failure(address, $0) }
        }
        return resolveAndBind(address).mapError { failure(address, $0) }
    }

    /// An `errno` value as an `Error`.
    private struct Errno: Error {
        var code: Int32
    }

    private static func failure(_ address: ListenAddress, _ error: Errno) -> SupervisorExit {
        .failure("cannot listen on \(address): \(String(cString: strerror(error.code)))")
    }

    private static func resolveAndBind(_ address: ListenAddress) -> Result<Int32, Errno> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address.host, String(address.port), &hints, &list) == 0, let first = list else {
            return .failure(Errno(code: EADDRNOTAVAIL))
        }
        defer { freeaddrinfo(list) }
        return listen(family: first.pointee.ai_family, address: first.pointee.ai_addr,
                      length: first.pointee.ai_addrlen, dualStack: false)
    }

    private static func bind(family: Int32, numericHost: String, port: Int, dualStack: Bool) -> Result<Int32, Errno> {
        if family == AF_INET6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            address.sin6_addr = in6addr_any
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    listen(family: family, address: $0, length: socklen_t(MemoryLayout<sockaddr_in6>.size), dualStack: dualStack)
                }
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(numericHost)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                listen(family: family, address: $0, length: socklen_t(MemoryLayout<sockaddr_in>.size), dualStack: dualStack)
            }
        }
    }

    private static func listen(family: Int32, address: UnsafePointer<sockaddr>?, length: socklen_t,
                               dualStack: Bool) -> Result<Int32, Errno> {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(Errno(code: errno)) }
        var on: Int32 = 1
        var v6Only: Int32 = dualStack ? 0 : 1
        let size = socklen_t(MemoryLayout<Int32>.size)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, size)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, size)
        if family == AF_INET6 { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &v6Only, size) }
        guard Glibc.bind(fd, address, length) == 0, Glibc.listen(fd, SOMAXCONN) == 0 else {
            let code = errno
            close(fd)
            return .failure(Errno(code: code))
        }
        return .success(fd)
    }
}
