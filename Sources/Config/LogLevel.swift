extension ServiceConfig {
    /// Log level names accepted in `logLevel`: winston's (what upstream's files use),
    /// then swift-log's, each mapped to the swift-log name it means.
    static let logLevelNames: KeyValuePairs<String, String> = [
        "error": "error", "warn": "warning", "info": "info", "http": "notice",
        "verbose": "debug", "debug": "debug", "silly": "trace",
        "trace": "trace", "notice": "notice", "warning": "warning", "critical": "critical",
    ]

    /// The swift-log name (`trace` … `critical`) of `logLevel`, which may be written
    /// with winston's names (`warn` → `warning`, `http` → `notice`,
    /// `verbose` → `debug`, `silly` → `trace`). Unknown names (impossible after
    /// validation) map to `info`.
    public var swiftLogLevelName: String {
        Self.swiftLogLevelName(for: logLevel) ?? "info"
    }

    /// The swift-log name for a level name, case-insensitively; `nil` when unknown.
    static func swiftLogLevelName(for name: String) -> String? {
        let lowered = name.lowercased()
        return logLevelNames.first { $0.key == lowered }?.value
    }
}
