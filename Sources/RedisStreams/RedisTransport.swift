/// A connected byte stream to a Redis server.
///
/// The seam between RESP and the wire: `SocketTransport` (TCP or unix socket) and
/// `TLSTransport` over it, without `RedisConnection` changing. Implementations are
/// blocking, bounded by the deadline given to each call, and woken early by the
/// interrupter they were created with. Used by one thread at a time.
protocol RedisTransport: AnyObject {
    /// Writes every byte or throws (`.connection`, `.timeout`, `.tls`).
    func write(_ bytes: [UInt8], deadline: Deadline) throws(RedisError)

    /// Reads at least one byte into `buffer` and returns how many.
    /// Throws `.connection` on EOF or error, `.timeout` at the deadline.
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(RedisError) -> Int

    /// Releases the connection. Idempotent.
    func close()
}

enum RedisTransports {
    /// Connects to one server, with TLS on top when `tls` is given (TCP only), all by `deadline`.
    static func open(
        _ server: RedisServerAddress, tls: RedisTLSSettings?, deadline: Deadline, interrupter: RedisInterrupter?
    ) throws(RedisError) -> any RedisTransport {
        switch server {
        case .unix(let path):
            return try SocketTransport.connect(unixPath: path, deadline: deadline, interrupter: interrupter)
        case .tcp(let host, let port):
            let socket = try SocketTransport.connect(host: host, port: port, deadline: deadline, interrupter: interrupter)
            guard let tls else { return socket }
            return try TLSTransport.handshake(
                over: socket, host: host, peer: server.description, settings: tls, deadline: deadline)
        }
    }
}
