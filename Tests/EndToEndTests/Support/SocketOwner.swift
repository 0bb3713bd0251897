import Foundation
import Glibc

/// Which process owns the server side of a TCP connection, read from `/proc`: the test
/// learns which worker accepted a connection without the service telling it.
enum SocketOwner {
    /// The inode of the established socket `127.0.0.1:serverPort` ↔ `127.0.0.1:clientPort`
    /// on the server's side.
    static func serverInode(serverPort: Int, clientPort: Int) -> String? {
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = readProcFile(table) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                // Only an established socket with an owner: an old connection on a reused
                // client port may still be listed, closing, with inode 0.
                guard fields.count > 9, port(of: fields[1]) == serverPort, port(of: fields[2]) == clientPort,
                      fields[3] == "01", fields[9] != "0" else { continue }
                return String(fields[9])
            }
        }
        return nil
    }

    /// The first of `candidates` holding a file descriptor for `inode`.
    static func owner(ofInode inode: String, among candidates: Set<Int32>) -> Int32? {
        let target = "socket:[\(inode)]"
        for pid in candidates {
            let directory = "/proc/\(pid)/fd"
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            for fd in fds where (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(fd)")) == target {
                return pid
            }
        }
        return nil
    }

    static func owner(serverPort: Int, clientPort: Int, among candidates: Set<Int32>) -> Int32? {
        serverInode(serverPort: serverPort, clientPort: clientPort).flatMap { owner(ofInode: $0, among: candidates) }
    }

    /// Reads a procfs file whole. (Foundation's `String(contentsOfFile:)` trusts the
    /// reported size, which is 0 for procfs files, and may return only the first page.)
    static func readProcFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += chunk[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func port(of address: Substring) -> Int? {
        address.split(separator: ":").last.flatMap { Int($0, radix: 16) }
    }
}
