import Foundation
import Logging
import Testing

@testable import ServiceLogging

@Suite struct LogLineTests {
    /// Logs one record through the real handler into a file sink; returns the file.
    func logged(_ message: Logger.Message, metadata: Logger.Metadata = [:]) throws -> String {
        let path = NSTemporaryDirectory() + "log-line-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handler = JournalLogHandler(label: "test", level: .info, sink: LogSink(journal: true, filePath: path))
        var logger = Logger(label: "test") { _ in handler }
        logger.logLevel = .info
        logger.warning(message, metadata: metadata)
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test func aForgedLineInAClientValueStaysOnTheRecordsLine() throws {
        // What `?last_id=1-0%0d%0aX:y` decodes to, and a NUL.
        let text = try logged("ignoring malformed last_id", metadata: ["last_id": "1-0\r\nX:y", "origin": "a\u{0}b"])
        #expect(text == "<4>test: ignoring malformed last_id last_id=1-0\\r\\nX:y origin=a\\u{0}b\n")
        #expect(text.split(separator: "\n").count == 1)
    }

    @Test func everyControlCharacterAndTheUnicodeLineSeparatorsAreEscaped() throws {
        let text = try logged("m\u{1b}[31m\u{7f}\u{85}\u{2028}\u{2029}\t", metadata: ["k\nk": "v"])
        #expect(text == "<4>test: m\\u{1b}[31m\\u{7f}\\u{85}\\u{2028}\\u{2029}\\t k\\nk=v\n")
    }

    @Test func printableTextIsUnchanged() throws {
        let plain = "channel 3f2b-é-✓-😀 \"quoted\" back\\slash"
        #expect(LogLineEscaping.escape(plain) == plain)
        #expect(try logged("\(plain)") == "<4>test: \(plain)\n")
    }
}
