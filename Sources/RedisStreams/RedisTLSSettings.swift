/// TLS to Redis. The certificate chain is always verified; the name is verified unless
/// `validateHostname` is false.
///
/// Files are read on every connect, so rotated certificates take effect at the next
/// reconnect without a restart. `RedisTLSSettings.check()` loads them once up front, so
/// that a wrong path is a boot error rather than an endless retry.
public struct RedisTLSSettings: Sendable, Equatable {
    /// CA certificates that sign the server's certificate: a PEM file, or a directory
    /// hashed with `openssl rehash`. nil: the system's trust store.
    public var caFile: String?
    /// A client certificate (PEM, may carry its chain) for mutual TLS, with `keyFile`.
    public var certFile: String?
    /// The client certificate's private key (PEM, unencrypted).
    public var keyFile: String?
    /// Sent as SNI and verified against the certificate; nil: the host connected to.
    public var serverName: String?
    /// Whether the certificate must be valid for `serverName` (or the host).
    public var validateHostname: Bool

    public init(
        caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, serverName: String? = nil,
        validateHostname: Bool = true
    ) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.serverName = serverName
        self.validateHostname = validateHostname
    }

    /// Loads the CA, the certificate and the key as a connection would, without
    /// connecting. Throws `.tls` naming the file and the setting that is wrong.
    public func check() throws(RedisError) {
        _ = try TLSContext(self)
    }
}
