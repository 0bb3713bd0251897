import Logging

/// One blocking connection to Redis, used by one thread at a time.
///
/// Not `Sendable`: create it on the thread that uses it (the firehose reader creates its
/// own). Commands are written with a tiny RESP encoder and replies parsed by hiredis's
/// reader. Any transport, protocol or timeout error closes the connection (its position
/// in the reply stream is unknown after that); error replies (`RedisError.server`) do not.
/// `connect()` again to recover.
public final class RedisConnection {
    /// Whether a transport is open. Explicit so that every path that breaks the
    /// byte stream provably drops it.
    private enum State {
        case disconnected
        case connected(any RedisTransport, RESPReplyDecoder)
    }

    public let endpoint: RedisEndpoint
    /// Bound on each ordinary command's round trip, and the margin added to a blocking
    /// command's own timeout before the server is considered dead.
    public let responseTimeoutMs: Int
    let logger: Logger
    private let interrupter: RedisInterrupter?
    private let makeTransport: RedisTransportFactory
    private var state: State = .disconnected
    private let readBuffer: UnsafeMutableRawBufferPointer

    /// - Parameters:
    ///   - interrupter: when given, `interrupter.interrupt()` from any thread makes the
    ///     blocking call in progress (connect, read, write) fail at once.
    public convenience init(
        endpoint: RedisEndpoint,
        responseTimeoutMs: Int = 5_000,
        interrupter: RedisInterrupter? = nil,
        logger: Logger = Logger(label: "superset-websocket.redis")
    ) {
        self.init(
            endpoint: endpoint, responseTimeoutMs: responseTimeoutMs, interrupter: interrupter,
            logger: logger, transportFactory: TCPTransport.connect(to:interrupter:)
        )
    }

    init(
        endpoint: RedisEndpoint,
        responseTimeoutMs: Int,
        interrupter: RedisInterrupter?,
        logger: Logger,
        transportFactory: @escaping RedisTransportFactory
    ) {
        self.endpoint = endpoint
        self.responseTimeoutMs = responseTimeoutMs
        self.interrupter = interrupter
        self.logger = logger
        self.makeTransport = transportFactory
        self.readBuffer = .allocate(byteCount: 64 * 1024, alignment: 8)
    }

    deinit {
        close()
        readBuffer.deallocate()
    }

    public var isConnected: Bool {
        if case .connected = state { return true }
        return false
    }

    /// Opens the transport, then authenticates and selects the database.
    /// Does nothing when already connected.
    public func connect() throws(RedisError) {
        guard case .disconnected = state else { return }
        let transport = try makeTransport(endpoint, interrupter)
        state = .connected(transport, RESPReplyDecoder())
        for handshake in RedisHandshake.commands(for: endpoint) {
            do {
                _ = try command(handshake)
            } catch .server(let reply) {
                close()
                throw .server(RedisHandshake.describeFailure(of: handshake, reply: reply, endpoint: endpoint))
            } catch {
                close()
                throw error
            }
        }
    }

    /// Closes the transport. Idempotent.
    public func close() {
        if case .connected(let transport, _) = state {
            transport.close()
        }
        state = .disconnected
    }

    /// Sends one command and returns its reply. An error reply throws `RedisError.server`.
    public func command(_ arguments: [[UInt8]]) throws(RedisError) -> RedisReply {
        try command(arguments, timeoutMs: responseTimeoutMs)
    }

    public func command(_ arguments: [String]) throws(RedisError) -> RedisReply {
        try command(arguments.map { Array($0.utf8) })
    }

    /// Sends every command in one write, then reads the replies in order.
    ///
    /// Error replies are returned in place as `.error` (one failing command does not
    /// hide the others' results); only transport failures throw.
    public func pipeline(_ commands: [[[UInt8]]]) throws(RedisError) -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        var bytes: [UInt8] = []
        for arguments in commands {
            RESPCommandEncoder.encode(arguments, into: &bytes)
        }
        return try exchange(bytes, replies: commands.count, timeoutMs: responseTimeoutMs)
    }

    public func pipeline(_ commands: [[String]]) throws(RedisError) -> [RedisReply] {
        try pipeline(commands.map { $0.map { Array($0.utf8) } })
    }

    /// A command with its own read timeout (nil: wait forever), for blocking commands.
    func command(_ arguments: [[UInt8]], timeoutMs: Int?) throws(RedisError) -> RedisReply {
        let replies = try exchange(RESPCommandEncoder.encode(arguments), replies: 1, timeoutMs: timeoutMs)
        if case .error(let message) = replies[0] {
            throw .server(RedisHandshake.redact(message, secret: endpoint.password))
        }
        return replies[0]
    }

    // MARK: - I/O

    private func exchange(_ bytes: [UInt8], replies count: Int, timeoutMs: Int?) throws(RedisError) -> [RedisReply] {
        guard case .connected(let transport, let decoder) = state else {
            throw .connection("not connected to \(endpoint.hostAndPort)")
        }
        let deadline = timeoutMs.map { Deadline.after(milliseconds: $0) } ?? .never
        do {
            try transport.write(bytes, deadline: deadline)
            var replies: [RedisReply] = []
            replies.reserveCapacity(count)
            while replies.count < count {
                if let reply = try decoder.next() {
                    replies.append(reply)
                    continue
                }
                let received = try transport.read(into: readBuffer, deadline: deadline)
                try decoder.feed(UnsafeRawBufferPointer(rebasing: readBuffer[..<received]))
            }
            return replies
        } catch {
            // The byte stream is out of step (or gone): never reuse it.
            close()
            throw error
        }
    }
}
