import Foundation

/// Memory figures from `/proc`: a process tree's resident set, and the kernel's slab
/// (where socket structures live) for the whole machine.
enum ProcessMemory {
    /// `pid` and its descendants.
    static func tree(_ pid: Int32) -> [Int32] {
        var result = [pid]
        var index = 0
        while index < result.count {
            let current = result[index]
            index += 1
            let path = "/proc/\(current)/task/\(current)/children"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            result += text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        return result
    }

    /// `VmRSS` of each process, summed, in bytes.
    static func rssBytes(_ pids: [Int32]) -> Int {
        pids.reduce(0) { $0 + (field("VmRSS", in: "/proc/\($1)/status") ?? 0) * 1024 }
    }

    /// `Slab` of `/proc/meminfo`, bytes: the kernel's share of sockets (both ends on
    /// loopback) shows here, along with everything else the machine does.
    static func kernelSlabBytes() -> Int {
        (field("Slab", in: "/proc/meminfo") ?? 0) * 1024
    }

    /// The `mem` of the `TCP:` line of `/proc/net/sockstat`, pages: buffers held by TCP.
    static func tcpBufferPages() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/net/sockstat", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("TCP:") })
        else { return 0 }
        let words = line.split(separator: " ")
        guard let index = words.firstIndex(of: "mem"), index + 1 < words.count else { return 0 }
        return Int(words[index + 1]) ?? 0
    }

    private static func field(_ name: String, in path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return Int(line.dropFirst(name.count + 1).split(whereSeparator: \.isWhitespace).first ?? "")
        }
        return nil
    }
}
