import Foundation

/// Memory figures from `/proc`: a process tree's resident set, and the kernel's slab
/// (where socket structures live) for the whole machine.
enum ProcessMemory {
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

/// CPU time and write syscalls of processes, from `/proc/<pid>/stat` and `/proc/<pid>/io`:
/// how much of the machine a server used for a scenario, and in how many writes.
struct ProcessUsage {
    var cpuSeconds: Double
    var writeSyscalls: Int

    static func of(_ pids: [Int32]) -> ProcessUsage {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var cpu = 0.0
        var writes = 0
        for pid in pids {
            if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
               let close = stat.lastIndex(of: ")") {
                // Fields after the command name: state is field 3, utime 14, stime 15.
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                if fields.count > 12 { cpu += (Double(fields[11]) ?? 0) / ticks + (Double(fields[12]) ?? 0) / ticks }
            }
            if let io = try? String(contentsOfFile: "/proc/\(pid)/io", encoding: .utf8),
               let line = io.split(separator: "\n").first(where: { $0.hasPrefix("syscw:") }) {
                writes += Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0
            }
        }
        return ProcessUsage(cpuSeconds: cpu, writeSyscalls: writes)
    }

    static func - (after: ProcessUsage, before: ProcessUsage) -> ProcessUsage {
        ProcessUsage(cpuSeconds: after.cpuSeconds - before.cpuSeconds, writeSyscalls: after.writeSyscalls - before.writeSyscalls)
    }
}
