import Glibc

/// A `waitpid` status, described for logs.
enum WaitStatus {
    /// "exited with status 1", "killed by signal 9 (Killed)".
    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        let name = strsignal(signal).map { String(cString: $0) } ?? "?"
        return "killed by signal \(signal) (\(name))" + (status & 0x80 != 0 ? ", core dumped" : "")
    }
}
