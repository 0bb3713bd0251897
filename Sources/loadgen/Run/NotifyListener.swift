import Foundation
import Glibc

/// Stands in for systemd: an `AF_UNIX` datagram socket given to the service as
/// `NOTIFY_SOCKET`, so the driver waits for `READY=1` instead of guessing.
final class NotifyListener {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
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
        guard bound == 0 else { throw ChildProcess.Failure(description: "cannot bind \(path): errno \(errno)") }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Blocks until a datagram carries `line` (e.g. `READY=1`), or `timeout` passes, or
    /// `alive` says the sender is gone (checked every 200 ms).
    func wait(for line: String, timeout: Double, alive: () -> Bool) -> Bool {
        let limit = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < limit {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(1, min(200, limit.timeIntervalSinceNow * 1000)))
            guard poll(&poller, 1, left) > 0 else {
                if !alive() { return false }
                continue
            }
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { continue }
            let text = String(decoding: buffer[..<n], as: UTF8.self)
            if text.split(separator: "\n").contains(where: { $0 == line }) { return true }
        }
        return false
    }
}
