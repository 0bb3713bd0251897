/// Where the service listens, when the supervisor binds the listening sockets itself
/// (see ``SupervisorSettings/listenAddress``).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// A numeric address or a host name; `nil` for every interface (`::`, dual-stack,
    /// or `0.0.0.0` where IPv6 is unavailable), like upstream's server.
    public var host: String?
    public var port: Int

    public init(host: String? = nil, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String {
        guard let host else { return "*:\(port)" }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
