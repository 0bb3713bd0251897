import Foundation

extension ServiceConfig {
    /// The `redis` object of the configuration.
    ///
    /// Where Redis is: `sentinels` (with `sentinelMaster`) when set, else the unix socket
    /// `path` when set, else `host` and `port`. Empty strings mean "not set".
    public struct RedisConfig: Equatable, Sendable {
        public var host = "127.0.0.1"
        public var port = 6379
        /// Sent (with `AUTH username password`) only when `password` is non-empty.
        public var username = "default"
        public var password = ""
        public var db = 0
        /// TLS to Redis (and to the Sentinels); the certificate chain is always verified.
        public var ssl = false
        /// With `ssl`, whether the certificate must name the server (`tlsServerName`, else the host).
        public var validateHostname = true
        /// CA certificates (a PEM file, or a hashed directory) that sign the server's
        /// certificate; empty: the system's trust store.
        public var tlsCaFile = ""
        /// Client certificate (PEM, may include its chain) for mutual TLS; needs `tlsKeyFile`.
        public var tlsCertFile = ""
        /// The client certificate's private key (PEM, unencrypted).
        public var tlsKeyFile = ""
        /// The name sent as SNI and checked against the certificate; empty: the host connected to.
        public var tlsServerName = ""
        /// A unix socket to connect to instead of `host`/`port`.
        public var path = ""
        /// Redis Sentinels, each `host:port` (`[v6]:port` for IPv6; `host` alone means port 26379).
        public var sentinels: [String] = []
        /// The name the Sentinels monitor the master under; required with `sentinels`.
        public var sentinelMaster = ""
        /// Credentials for the Sentinels themselves (not the master's): `AUTH` is sent when
        /// `sentinelPassword` is non-empty, as `AUTH sentinelPassword` when `sentinelUsername` is empty.
        public var sentinelUsername = ""
        public var sentinelPassword = ""

        public init() {}

        /// The default port of a Sentinel.
        public static let defaultSentinelPort = 26379

        /// `sentinels`, parsed (entries that do not parse are left out: validation refuses them).
        public var sentinelAddresses: [(host: String, port: Int)] {
            sentinels.compactMap(Self.parseHostAndPort)
        }

        /// `host:port`, `[v6]:port`, `host` or `[v6]` (then port 26379); nil when malformed.
        public static func parseHostAndPort(_ text: String) -> (host: String, port: Int)? {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            var host: Substring
            var portText: Substring?
            if trimmed.hasPrefix("[") {
                guard let close = trimmed.firstIndex(of: "]") else { return nil }
                host = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
                let rest = trimmed[trimmed.index(after: close)...]
                if !rest.isEmpty {
                    guard rest.first == ":" else { return nil }
                    portText = rest.dropFirst()
                }
            } else if let colon = trimmed.lastIndex(of: ":") {
                host = trimmed[..<colon]
                portText = trimmed[trimmed.index(after: colon)...]
                // An unbracketed IPv6 address: ambiguous with a port.
                if host.contains(":") { return nil }
            } else {
                host = trimmed[...]
            }
            guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else { return nil }
            var port = defaultSentinelPort
            if let portText {
                guard let parsed = Int(portText), (1...65535).contains(parsed) else { return nil }
                port = parsed
            }
            return (String(host), port)
        }
    }
}
