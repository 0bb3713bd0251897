import Foundation

/// What `/proc` says about the service's processes.
enum ProcessTable {
    /// Live (not zombie) children of `parent` whose command line contains `argument`.
    static func children(of parent: Int32, running argument: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), let info = stat(of: pid), info.ppid == parent,
                  info.state != "Z", info.state != "X",
                  commandLine(of: pid).contains(argument) else { return nil }
            return pid
        }.sorted()
    }

    static func isAlive(_ pid: Int32) -> Bool {
        guard let state = stat(of: pid)?.state else { return false }
        return state != "Z" && state != "X"
    }

    /// Open file descriptors of a process (nil when it is gone).
    static func openFiles(of pid: Int32) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }

    static func commandLine(of pid: Int32) -> [String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return [] }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `(state, ppid)` from `/proc/<pid>/stat`; fields are counted from the last `)`,
    /// since the command name may contain anything.
    private static func stat(of pid: Int32) -> (state: Character, ppid: Int32)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 2, let state = fields[0].first, let ppid = Int32(fields[1]) else { return nil }
        return (state, ppid)
    }
}
