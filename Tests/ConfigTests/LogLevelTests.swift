import Testing
@testable import Config

@Suite struct LogLevelTests {
    @Test(arguments: [
        ("error", "error"), ("warn", "warning"), ("info", "info"), ("http", "notice"),
        ("verbose", "debug"), ("debug", "debug"), ("silly", "trace"),
        ("trace", "trace"), ("notice", "notice"), ("warning", "warning"), ("critical", "critical"),
        ("WARN", "warning"),
    ])
    func mapsToSwiftLogNames(_ level: String, _ swiftLog: String) throws {
        let config = try load(#"{"logLevel": "\#(level)"}"#).config
        #expect(config.logLevel == level, "stored as given")
        #expect(config.swiftLogLevelName == swiftLog)
    }
}
