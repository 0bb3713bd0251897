import Logging
import MonotonicTime

/// One blocking connection to Redis, used by one thread at a time.
///
/// Not `Sendable`: create it on the thread that uses it (the firehose reader creates its
/// own). Commands are written with a tiny RESP encoder and replies parsed by hiredis's
/// reader. Any transport, protocol or timeout error closes the connection (its position
/// in the reply stream is unknown after that); error replies (`RedisError.server`) do not.
/// `connect()` again to recover.
///
/// Where it connects is the endpoint's `RedisTarget`, decided here for every user: a TCP
/// host, a unix socket, or the master the Sentinels name (asked again on every connect;
/// see `RedisSentinelSettings` for how a connection notices a failover), with TLS over
/// TCP when the endpoint has `tls`.
public final class RedisConnection {
    /// Whether a transport is open. Explicit so that every path that breaks the
    /// byte stream provably drops it.
    private enum State {
        case disconnected
        case connected(Session)
    }

    private struct Session {
        let transport: any RedisTransport
        let decoder: RESPReplyDecoder
        let server: RedisServerAddress
    }

    public let endpoint: RedisEndpoint
    /// Bound on each ordinary command's round trip, and the margin added to a blocking
    /// command's own timeout before the server is considered dead.
    public let responseTimeoutMs: Int
    let logger: Logger
    private let interrupter: RedisInterrupter?
    /// For a Sentinel target: who to ask where the master is.
    private let sentinel: SentinelResolver?
    private var state: State = .disconnected
    /// `MonotonicClock` time the Sentinels last confirmed the server as master.
    private var masterConfirmedAt: UInt64 = 0
    private let readBuffer: UnsafeMutableRawBufferPointer

    /// - Parameters:
    ///   - interrupter: when given, `interrupter.interrupt()` from any thread makes the
    ///     blocking call in progress (connect, read, write) fail at once.
    public init(
        endpoint: RedisEndpoint,
        responseTimeoutMs: Int = 5_000,
        interrupter: RedisInterrupter? = nil,
        logger: Logger = Logger(label: "superset-websocket.redis")
    ) {
        self.endpoint = endpoint
        self.responseTimeoutMs = responseTimeoutMs
        self.interrupter = interrupter
        self.logger = logger
        self.sentinel = endpoint.sentinel.map {
            SentinelResolver(
                settings: $0, tls: endpoint.tls, connectTimeoutMs: endpoint.connectTimeoutMs,
                responseTimeoutMs: responseTimeoutMs, interrupter: interrupter, logger: logger)
        }
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

    /// The server this connection is connected to (`host:port` or `unix:/path`), for
    /// logs; nil when disconnected.
    public var server: String? {
        if case .connected(let session) = state { return session.server.description }
        return nil
    }

    /// Finds the server (asking the Sentinels for a Sentinel target), opens the
    /// transport (TLS included), authenticates, selects the database and, under
    /// Sentinel, checks with `ROLE` that the server is a master.
    /// Does nothing when already connected.
    public func connect() throws(RedisError) {
        guard case .disconnected = state else { return }
        let server: RedisServerAddress
        switch endpoint.target {
        case .tcp(let host, let port): server = .tcp(host: host, port: port)
        case .unix(let path): server = .unix(path: path)
        case .sentinel: server = try sentinel!.masterAddress()
        }
        let transport = try RedisTransports.open(
            server, tls: endpoint.tls, deadline: .after(milliseconds: endpoint.connectTimeoutMs), interrupter: interrupter)
        state = .connected(Session(transport: transport, decoder: RESPReplyDecoder(), server: server))
        masterConfirmedAt = MonotonicClock.nanoseconds()
        for handshake in RedisHandshake.commands(for: endpoint) {
            do {
                _ = try command(handshake)
            } catch .server(let reply) {
                close()
                throw .server(RedisHandshake.describeFailure(
                    of: handshake, reply: reply, endpoint: endpoint, server: server.description))
            } catch {
                close()
                throw error
            }
        }
        if let sentinel {
            try confirmRole(of: server, masterName: sentinel.settings.masterName)
        }
    }

    /// Closes the transport (and any connection to a Sentinel). Idempotent.
    public func close() {
        if case .connected(let session) = state {
            session.transport.close()
        }
        state = .disconnected
        sentinel?.close()
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
    /// hide the others' results); only transport failures throw (and, under Sentinel,
    /// a `READONLY` reply: the server is no longer the master).
    public func pipeline(_ commands: [[[UInt8]]]) throws(RedisError) -> [RedisReply] {
        try pipeline(commands, timeoutMs: responseTimeoutMs)
    }

    /// `pipeline` with its own read timeout, for a pipeline that ends with a blocking command.
    func pipeline(_ commands: [[[UInt8]]], timeoutMs: Int?) throws(RedisError) -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        var bytes: [UInt8] = []
        for arguments in commands {
            RESPCommandEncoder.encode(arguments, into: &bytes)
        }
        let replies = try exchange(bytes, replies: commands.count, timeoutMs: timeoutMs)
        for case .error(let message) in replies {
            try leaveIfDemoted(message)
        }
        return replies
    }

    public func pipeline(_ commands: [[String]]) throws(RedisError) -> [RedisReply] {
        try pipeline(commands.map { $0.map { Array($0.utf8) } })
    }

    /// A command with its own read timeout (nil: wait forever), for blocking commands.
    func command(_ arguments: [[UInt8]], timeoutMs: Int?) throws(RedisError) -> RedisReply {
        let replies = try exchange(RESPCommandEncoder.encode(arguments), replies: 1, timeoutMs: timeoutMs)
        if case .error(let message) = replies[0] {
            try leaveIfDemoted(message)
            throw .server(RedisHandshake.redact(message, secret: endpoint.password))
        }
        return replies[0]
    }

    // MARK: - Sentinel

    private func confirmRole(of server: RedisServerAddress, masterName: String) throws(RedisError) {
        let role: String
        do {
            role = try command(["ROLE"]).array?.first?.string ?? "unknown"
        } catch .server(let message) {
            close()
            throw .server("ROLE on \(server) failed: \(message) (the Redis user needs +role under Sentinel)")
        }
        guard role == "master" else {
            close()
            throw .connection("\(server), named master of '\(masterName)' by the Sentinels, is a \(role): failover in progress?")
        }
    }

    /// Under Sentinel, at most every `masterCheckIntervalMs`: asks a Sentinel (quickly,
    /// see `SentinelResolver.currentMasterAddress`) whether this server is still the
    /// master, and leaves it if not. When the Sentinel does not answer, the working
    /// connection is kept.
    private func confirmMasterIfDue(_ session: Session) throws(RedisError) {
        guard let sentinel else { return }
        let now = MonotonicClock.nanoseconds()
        let interval = UInt64(max(0, sentinel.settings.masterCheckIntervalMs)) * 1_000_000
        guard now &- masterConfirmedAt >= interval else { return }
        masterConfirmedAt = now
        let named: RedisServerAddress
        do {
            named = try sentinel.currentMasterAddress()
        } catch {
            logger.debug("cannot confirm the master with the Sentinels; staying on \(session.server): \(error)")
            return
        }
        guard named == session.server else {
            close()
            throw .connection("the Sentinels now name \(named) master of '\(sentinel.settings.masterName)', not \(session.server): failover; reconnecting")
        }
    }

    /// Under Sentinel, `READONLY` (a write reached a replica) and `UNBLOCKED` (a
    /// blocking read was cut short as the server turned replica) mean the server is no
    /// longer the master: close, so that the next connect asks the Sentinels.
    private func leaveIfDemoted(_ message: String) throws(RedisError) {
        guard sentinel != nil, message.hasPrefix("READONLY") || message.hasPrefix("UNBLOCKED"),
              case .connected(let session) = state
        else { return }
        close()
        throw .connection("\(session.server) is no longer the master (\(message)); asking the Sentinels again")
    }

    // MARK: - Pub/Sub

    /// Writes a command without waiting for its reply: in subscribed mode (RESP2) replies
    /// and pushed messages share one stream, read with `nextPush(timeoutMs:)`.
    public func send(_ arguments: [String]) throws(RedisError) {
        guard case .connected(let session) = state else { throw .connection("not connected to \(endpoint)") }
        do {
            try session.transport.write(RESPCommandEncoder.encode(arguments.map { Array($0.utf8) }), deadline: .after(milliseconds: responseTimeoutMs))
        } catch {
            close()
            throw error
        }
    }

    /// The next reply or pushed message, or nil when none is complete within `timeoutMs`.
    /// Unlike a command's timeout, an idle subscription is normal: nil leaves the
    /// connection open (a partly received reply stays in the decoder for the next call).
    public func nextPush(timeoutMs: Int) throws(RedisError) -> RedisReply? {
        guard case .connected(let session) = state else { throw .connection("not connected to \(endpoint)") }
        let deadline = Deadline.after(milliseconds: timeoutMs)
        do {
            while true {
                if let reply = try session.decoder.next() { return reply }
                let received: Int
                do {
                    received = try session.transport.read(into: readBuffer, deadline: deadline)
                } catch .timeout {
                    return nil
                }
                try session.decoder.feed(UnsafeRawBufferPointer(rebasing: readBuffer[..<received]))
            }
        } catch {
            close()
            throw error
        }
    }

    // MARK: - I/O

    private func exchange(_ bytes: [UInt8], replies count: Int, timeoutMs: Int?) throws(RedisError) -> [RedisReply] {
        guard case .connected(let session) = state else {
            throw .connection("not connected to \(endpoint)")
        }
        try confirmMasterIfDue(session)
        let deadline = timeoutMs.map { Deadline.after(milliseconds: $0) } ?? .never
        do {
            try session.transport.write(bytes, deadline: deadline)
            var replies: [RedisReply] = []
            replies.reserveCapacity(count)
            while replies.count < count {
                if let reply = try session.decoder.next() {
                    replies.append(reply)
                    continue
                }
                let received = try session.transport.read(into: readBuffer, deadline: deadline)
                try session.decoder.feed(UnsafeRawBufferPointer(rebasing: readBuffer[..<received]))
            }
            return replies
        } catch {
            // The byte stream is out of step (or gone): never reuse it.
            close()
            throw error
        }
    }
}
