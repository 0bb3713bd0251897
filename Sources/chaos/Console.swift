import Foundation

/// Lines on standard output, written at once (unbuffered), from any thread.
enum Console {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// `[  12.3s] text`: seconds since `begin`.
    static func line(_ text: String, since begin: Date) {
        line(String(format: "[%6.1fs] ", Date().timeIntervalSince(begin)) + text)
    }
}
