/// A configuration that passed validation, and what was worth telling the operator.
public struct LoadedConfig: Equatable, Sendable {
    public var config: ServiceConfig
    /// Human-readable, each naming the key path (unknown keys, placeholder secret).
    public var warnings: [String]

    public init(config: ServiceConfig, warnings: [String]) {
        self.config = config
        self.warnings = warnings
    }
}
