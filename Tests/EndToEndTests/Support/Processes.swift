import Foundation

/// What `/proc` says about processes.
enum Processes {
    /// State letter from `/proc/<pid>/stat` (`R`, `S`, `T`, `Z`...), nil when gone.
    static func state(of pid: Int32) -> Character? {
        stat(of: pid)?.state
    }

    /// Running, sleeping or stopped; not gone and not a zombie.
    static func isAlive(_ pid: Int32) -> Bool {
        guard let state = state(of: pid) else { return false }
        return state != "Z" && state != "X"
    }

    /// Live children of `parent`.
    static func children(of parent: Int32) -> Set<Int32> {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var children: Set<Int32> = []
        for entry in entries {
            guard let pid = Int32(entry), let info = stat(of: pid), info.ppid == parent,
                  info.state != "Z", info.state != "X" else { continue }
            children.insert(pid)
        }
        return children
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
