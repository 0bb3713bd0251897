import Glibc

/// One descriptor held back for the moment the process runs out (`EMFILE`).
///
/// Out of descriptors, `accept` fails and the connection stays in the listen queue,
/// where its client hangs (a load balancer's `/health` probe times out) and `poll` keeps
/// waking the acceptor. Closing the reserve frees one descriptor: the waiting connection
/// is accepted and closed at once, so its client learns at once, and the reserve is
/// taken again. The classic remedy (libev's and nginx's documentation describe it).
struct DescriptorReserve {
    private var fd: Int32 = open("/dev/null", O_RDONLY | O_CLOEXEC)

    /// Accepts and closes one waiting connection on `listenFD` using the reserve; false
    /// when there was none to take or the reserve is gone.
    mutating func shedOne(_ listenFD: Int32) -> Bool {
        guard fd >= 0 else {
            fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
            return false
        }
        close(fd)
        let client = accept(listenFD, nil, nil)
        if client >= 0 { close(client) }
        fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
        return client >= 0
    }
}
