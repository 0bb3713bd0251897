/// What can go wrong talking to Redis.
///
/// Messages never contain the password.
public enum RedisError: Error, Sendable, Equatable {
    /// The transport failed: resolve, connect, reset, closed by the peer, or not connected.
    /// The connection has been closed; `connect()` again to retry.
    case connection(String)
    /// Redis answered with an error reply (`-ERR …`, `-WRONGPASS …`).
    /// The connection is still usable.
    case server(String)
    /// The bytes on the wire or a reply's shape were not what the command promises.
    /// The connection has been closed when the wire itself was broken.
    case `protocol`(String)
    /// TLS failed: the CA, certificate or key files could not be used, or the handshake
    /// was refused (untrusted chain, wrong name, client certificate required). The
    /// connection has been closed.
    case tls(String)
    /// No complete reply within the allowed time. The connection has been closed
    /// (a late reply would otherwise be taken for the next command's).
    case timeout
}

extension RedisError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .connection(let message): "Redis connection error: \(message)"
        case .server(let message): "Redis error reply: \(message)"
        case .protocol(let message): "Redis protocol error: \(message)"
        case .tls(let message): "Redis TLS error: \(message)"
        case .timeout: "Redis timeout: no reply in time"
        }
    }
}

extension RedisError {
    /// The message without the category prefix, for composing longer messages.
    var reason: String {
        switch self {
        case .connection(let message), .server(let message), .protocol(let message), .tls(let message): message
        case .timeout: "no reply in time"
        }
    }
}
