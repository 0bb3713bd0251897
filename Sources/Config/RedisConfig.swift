extension ServiceConfig {
    /// The `redis` object of the configuration.
    public struct RedisConfig: Equatable, Sendable {
        public var host = "127.0.0.1"
        public var port = 6379
        /// Sent (with `AUTH username password`) only when `password` is non-empty.
        public var username = "default"
        public var password = ""
        public var db = 0
        /// TLS to Redis; the certificate chain is always verified.
        public var ssl = false
        /// With `ssl`, whether the certificate must name `host`.
        public var validateHostname = true

        public init() {}
    }
}
