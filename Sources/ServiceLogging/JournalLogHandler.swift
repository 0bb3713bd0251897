import Foundation
import Logging

/// Writes one line per log record to stderr. Under systemd (`JOURNAL_STREAM` set) each
/// line starts with an sd-daemon priority prefix (`<3>` … `<7>`) so journald keeps the
/// level; on a terminal it starts with a timestamp and the level name instead.
/// Optionally every line also goes to a file (`logToFile`/`logFilename`).
///
/// Control characters in the message and metadata are escaped (`LogLineEscaping`), so
/// a record is always one line. Callers must never put a secret or a whole token in a
/// message or metadata.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let sink: LogSink

    public init(label: String, level: Logger.Level, sink: LogSink) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line = ""
        if sink.journal {
            line += "<\(Self.priority(event.level))>"
        } else {
            line += "\(Self.timestamp()) \(event.level.rawValue.uppercased()) "
        }
        line += "\(label): \(LogLineEscaping.escape(event.message.description))"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " \(LogLineEscaping.escape(key))=\(LogLineEscaping.escape(value.description))"
        }
        line += "\n"
        sink.write(line)
    }

    /// sd-daemon(3) priorities.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var tmValue = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &tmValue)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(tmValue.tm_year) + 1900, Int(tmValue.tm_mon) + 1,
            Int(tmValue.tm_mday), Int(tmValue.tm_hour), Int(tmValue.tm_min), Int(tmValue.tm_sec), Int(now.tv_nsec / 1_000_000))
    }
}

/// Where log lines go: stderr, and a file when configured. One per process.
public final class LogSink: Sendable {
    let journal: Bool
    private let fileDescriptor: Int32?

    /// - Parameters:
    ///   - journal: prefix lines with sd-daemon priorities (default: when `JOURNAL_STREAM` is set).
    ///   - filePath: also append every line to this file.
    public init(journal: Bool = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil, filePath: String? = nil) {
        self.journal = journal
        if let filePath {
            let fd = open(filePath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
            self.fileDescriptor = fd >= 0 ? fd : nil
        } else {
            self.fileDescriptor = nil
        }
    }

    func write(_ line: String) {
        var bytes = Array(line.utf8)
        Self.writeAll(STDERR_FILENO, &bytes)
        if let fileDescriptor { Self.writeAll(fileDescriptor, &bytes) }
    }

    /// One `write` per line keeps lines whole when several processes share stderr.
    private static func writeAll(_ fd: Int32, _ bytes: inout [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }
}

public enum ServiceLog {
    /// Installs the handler for the whole process; call once, first thing.
    public static func bootstrap(level: Logger.Level, filePath: String? = nil) {
        let sink = LogSink(filePath: filePath)
        LoggingSystem.bootstrap { label in JournalLogHandler(label: label, level: level, sink: sink) }
    }
}
