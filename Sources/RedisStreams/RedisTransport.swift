/// A connected byte stream to a Redis server.
///
/// The seam between RESP and the wire: `TCPTransport` today, a TLS transport over
/// OpenSSL later, without `RedisConnection` changing. Implementations are blocking,
/// bounded by the deadline given to each call, and woken early by the interrupter
/// they were created with. Used by one thread at a time.
protocol RedisTransport: AnyObject {
    /// Writes every byte or throws (`.connection`, `.timeout`).
    func write(_ bytes: [UInt8], deadline: Deadline) throws(RedisError)

    /// Reads at least one byte into `buffer` and returns how many.
    /// Throws `.connection` on EOF or error, `.timeout` at the deadline.
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(RedisError) -> Int

    /// Releases the connection. Idempotent.
    func close()
}

/// Opens a transport to an endpoint's host and port within its connect timeout.
typealias RedisTransportFactory = (
    _ endpoint: RedisEndpoint, _ interrupter: RedisInterrupter?
) throws(RedisError) -> any RedisTransport
