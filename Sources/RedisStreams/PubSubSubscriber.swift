import Atomics
import Logging

/// Subscribes to one Redis Pub/Sub channel on a dedicated thread and hands each message
/// to `message`, in publication order. One per worker, as each worker reads the
/// firehose itself.
///
/// Health is explicit, because Pub/Sub keeps nothing: while the subscriber is not
/// subscribed, messages are lost for good. `subscribed` is called once `SUBSCRIBE` is
/// confirmed (at start and after each recovery), `lost` once each time the connection
/// fails after that; between the two the owner refuses new sockets and closes the open
/// ones (upstream's 1012/503). The connection is pinged every `pingIntervalMs`; no
/// answer within the connection's response timeout counts as lost, so a dead server
/// behind a silent network is noticed too.
///
/// On failure it backs off (50 ms doubling to 5 s, jittered) and reconnects.
public final class PubSubSubscriber: ThreadLifecycle {
    public let endpoint: RedisEndpoint
    public let channel: String
    private let pingIntervalMs: Int
    private let logger: Logger
    private let subscribed: @Sendable () -> Void
    private let lost: @Sendable (String) -> Void
    private let message: @Sendable ([UInt8]) -> Void
    private let thread = ServiceThreads(name: "redis-pubsub")
    private let healthy = ManagedAtomic<Bool>(false)
    private let errorCount = ManagedAtomic<Int>(0)

    public init(
        endpoint: RedisEndpoint, channel: String, pingIntervalMs: Int = 1_000, logger: Logger,
        subscribed: @escaping @Sendable () -> Void,
        lost: @escaping @Sendable (String) -> Void,
        message: @escaping @Sendable ([UInt8]) -> Void
    ) {
        self.endpoint = endpoint
        self.channel = channel
        self.pingIntervalMs = pingIntervalMs
        self.logger = logger
        self.subscribed = subscribed
        self.lost = lost
        self.message = message
    }

    /// Whether the subscription is confirmed and the connection alive.
    public var isHealthy: Bool { healthy.load(ordering: .relaxed) }

    /// Failures after the first subscription.
    public var errors: Int { errorCount.load(ordering: .relaxed) }

    public func start() {
        thread.start { [self] _ in run() }
    }

    public func stop() {
        thread.stop()
    }

    @discardableResult
    public func join(timeoutMs: Int?) -> Bool {
        thread.join(timeoutMs: timeoutMs)
    }

    private func run() {
        let connection = RedisConnection(endpoint: endpoint, interrupter: thread.interrupter, logger: logger)
        defer { connection.close() }
        var backoff = Backoff()
        var failureLogged = false
        while !thread.isStopping {
            do throws(RedisError) {
                try connection.connect()
                try connection.send(["SUBSCRIBE", channel])
                try awaitConfirmation(on: connection)
                backoff.reset()
                failureLogged = false
                healthy.store(true, ordering: .relaxed)
                logger.info("realtime subscriber subscribed", metadata: ["channel": "\(channel)", "server": "\(connection.server ?? "-")"])
                subscribed()
                try listen(on: connection)
            } catch {
                connection.close()
                if thread.isStopping { break }
                if healthy.exchange(false, ordering: .relaxed) {
                    errorCount.wrappingIncrement(ordering: .relaxed)
                    logger.error("realtime subscriber lost Redis", metadata: ["error": "\(error)"])
                    lost("\(error)")
                } else if !failureLogged {
                    failureLogged = true
                    logger.warning("realtime subscriber cannot reach Redis; retrying", metadata: ["error": "\(error)"])
                }
                if thread.interrupter.wait(milliseconds: backoff.nextDelayMs()) { break }
            }
        }
        healthy.store(false, ordering: .relaxed)
    }

    private func awaitConfirmation(on connection: RedisConnection) throws(RedisError) {
        guard let reply = try connection.nextPush(timeoutMs: connection.responseTimeoutMs) else { throw .timeout }
        if case .error(let text) = reply { throw .server(text) }
        guard let parts = reply.array, parts.first?.string == "subscribe" else {
            throw .protocol("unexpected reply to SUBSCRIBE")
        }
    }

    /// Reads pushed messages until the connection fails or the thread is stopped.
    private func listen(on connection: RedisConnection) throws(RedisError) {
        var sinceData = 0
        var pingOutstanding = false
        while !thread.isStopping {
            guard let reply = try connection.nextPush(timeoutMs: pingIntervalMs) else {
                sinceData += pingIntervalMs
                if pingOutstanding, sinceData >= pingIntervalMs + connection.responseTimeoutMs { throw .timeout }
                if !pingOutstanding {
                    try connection.send(["PING"])
                    pingOutstanding = true
                }
                continue
            }
            sinceData = 0
            guard let parts = reply.array, let kind = parts.first?.string else {
                if case .error(let text) = reply { throw .server(text) }
                continue
            }
            switch kind {
            case "message" where parts.count == 3:
                if let bytes = parts[2].bytes { message(bytes) }
            case "pong":
                pingOutstanding = false
            default:
                break
            }
        }
    }
}
