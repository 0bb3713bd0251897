import Foundation

/// The machine the figures come from, as the results must say.
enum Machine {
    static func describe(note: String) -> [String: String] {
        [
            "nproc": shell("nproc"),
            "memory": shell("free -h | awk '/^Mem:/ {print $2 \" total, \" $7 \" available\"}'"),
            "free": shell("free -h"),
            "kernel": shell("uname -sr"),
            "cpu": shell("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
            "loadavgBefore": loadAverage(),
            "note": note,
        ]
    }

    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "").split(separator: " ").prefix(3).joined(separator: " ")
    }

    static func gitCommit() -> String {
        shell("git rev-parse --short HEAD 2>/dev/null") + (shell("git status --porcelain 2>/dev/null | grep -v '^??' | head -1").isEmpty ? "" : " (dirty)")
    }

    static func shell(_ command: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
