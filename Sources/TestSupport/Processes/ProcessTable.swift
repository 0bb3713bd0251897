import Foundation

/// What `/proc` says about processes: the one reader of it for the end-to-end tests, the
/// chaos test and the benchmark driver.
public enum ProcessTable {
    /// State letter from `/proc/<pid>/stat` (`R`, `S`, `T`, `Z`...), nil when gone.
    public static func state(of pid: Int32) -> Character? {
        stat(of: pid)?.state
    }

    /// Running, sleeping or stopped; not gone and not a zombie.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard let state = state(of: pid) else { return false }
        return state != "Z" && state != "X"
    }

    /// Live (not zombie) children of `parent`; with `argument`, only those whose command
    /// line contains it (the service's workers run `… worker …`).
    public static func children(of parent: Int32, running argument: String? = nil) -> Set<Int32> {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var children: Set<Int32> = []
        for entry in entries {
            guard let pid = Int32(entry), let info = stat(of: pid), info.ppid == parent,
                  info.state != "Z", info.state != "X" else { continue }
            if let argument, !commandLine(of: pid).contains(argument) { continue }
            children.insert(pid)
        }
        return children
    }

    /// `pid` and all its descendants, parents first.
    public static func tree(_ pid: Int32) -> [Int32] {
        var result = [pid]
        var index = 0
        while index < result.count {
            let current = result[index]
            index += 1
            // A child belongs to the thread that spawned it: read every thread's list.
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(current)/task")) ?? []
            for task in tasks {
                guard let text = try? String(contentsOfFile: "/proc/\(current)/task/\(task)/children", encoding: .utf8) else { continue }
                result += text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
        }
        return result
    }

    public static func commandLine(of pid: Int32) -> [String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return [] }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Open file descriptors of a process (nil when it is gone).
    public static func openFiles(of pid: Int32) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }

    /// `(state, ppid)` from `/proc/<pid>/stat`. The command name may contain spaces and
    /// parentheses, so fields are counted from the last `)`.
    private static func stat(of pid: Int32) -> (state: Character, ppid: Int32)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 2, let state = fields[0].first, let ppid = Int32(fields[1]) else { return nil }
        return (state, ppid)
    }
}
