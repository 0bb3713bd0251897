/// First message on every link, supervisor -> worker: who the worker is and what to run.
public struct StartInfo: Codable, Equatable, Sendable {
    /// Reload generation, starting at 1; every `SIGHUP` that passes validation adds one.
    public var generation: Int
    /// Slot index of this worker within its generation, `0..<workerCount`.
    public var index: Int
    /// The effective configuration (file + environment, validated by the supervisor),
    /// as JSON. The worker parses it instead of re-reading files that may have changed.
    public var configJSON: String
    /// ``IPCProtocol/version`` of the supervisor.
    public var protocolVersion: UInt8

    public init(generation: Int, index: Int, configJSON: String, protocolVersion: UInt8 = IPCProtocol.version) {
        self.generation = generation
        self.index = index
        self.configJSON = configJSON
        self.protocolVersion = protocolVersion
    }
}
