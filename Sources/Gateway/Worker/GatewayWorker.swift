import Events
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceMetrics
import RedisStreams

/// One worker: a single event loop that owns a listener (bound with `SO_REUSEPORT`, or
/// an inherited socket), every socket accepted on it and its channel registry; a
/// firehose reader thread; replay threads. Share-nothing: another worker in another
/// process runs the same thing on the same port.
public final class GatewayWorker: Sendable {
    public let localPort: Int
    private let group: MultiThreadedEventLoopGroup
    private let listener: Listener
    private let hub: NIOLoopBound<ChannelHub>
    private let feed: FirehoseFeed
    private let replay: RedisReplaySource
    /// The Pub/Sub subscriber, when the worker serves the realtime protocol.
    private let subscriber: PubSubSubscriber?
    private let options: GatewayOptions
    private let logger: Logger

    private init(
        localPort: Int, group: MultiThreadedEventLoopGroup, listener: Listener, hub: NIOLoopBound<ChannelHub>,
        feed: FirehoseFeed, replay: RedisReplaySource, subscriber: PubSubSubscriber?, options: GatewayOptions, logger: Logger
    ) {
        self.subscriber = subscriber
        self.localPort = localPort
        self.group = group
        self.listener = listener
        self.hub = hub
        self.feed = feed
        self.replay = replay
        self.options = options
        self.logger = logger
    }

    /// Binds the listener and starts serving; the firehose is reached in the background
    /// (the worker serves `/health` and accepts sockets while Redis is unreachable).
    /// Throws when the port cannot be bound: a boot failure.
    /// - Parameter metrics: the worker's swift-metrics backend (heartbeats read it).
    public static func start(options: GatewayOptions, logger: Logger, metrics: WorkerMetrics = WorkerMetrics()) async throws -> GatewayWorker {
        // Unusable TLS files are a boot failure (the operator must fix them), not a retry loop.
        if let tls = options.redis.tls {
            do {
                try tls.check()
            } catch {
                throw WorkerBootError.unusableRedisTLS("\(error)")
            }
        }
        let verifier = TokenVerifier.make(
            secret: options.jwtSecret, allowedAlgorithms: options.jwtAlgorithms, channelClaim: options.jwtChannelIdKey)
        let authorizer = HandshakeAuthorizer(
            origins: OriginPolicy(allowedOrigins: options.allowedOrigins), verifier: verifier, cookieName: options.jwtCookieName)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let replay = RedisReplaySource(endpoint: options.redis, streamPrefix: options.streamPrefix, logger: logger)
        replay.start()
        let hub = try await loop.submit {
            let hub = ChannelHub(eventLoop: loop, settings: options.hub, replaySource: replay, logger: logger, metrics: metrics)
            if options.serviceProtocol.servesRealtime {
                hub.realtime = RealtimeState(
                    bufferMaxMessages: options.realtimeBufferMaxMessages, bufferMaxBytes: options.realtimeBufferMaxBytes,
                    metrics: RealtimeMetrics(factory: metrics))
            }
            hub.startTimers()
            return NIOLoopBound(hub, eventLoop: loop)
        }.get()

        let realtimeGate: RealtimeGate? = options.serviceProtocol.servesRealtime
            ? RealtimeGate(
                origins: OriginPolicy(allowedOrigins: options.allowedOrigins),
                verifier: RealtimeTokenVerifier(
                    secret: options.jwtSecret, previousSecret: options.previousJwtSecret, allowedAlgorithms: options.jwtAlgorithms),
                cookieName: options.realtimeCookieName, servesStreams: options.serviceProtocol.servesStreams)
            : nil
        let handshakeTimeout = options.handshakeTimeout
        let socketIDs = SocketIDs()
        /// The pipeline of every accepted connection, however it was accepted.
        @Sendable func configure(_ channel: any Channel) -> EventLoopFuture<Void> {
            channel.eventLoop.makeCompletedFuture {
                let hub = hub.value
                let encoder = HTTPResponseEncoder()
                let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
                let handshake = HTTPHandshakeHandler(
                    authorizer: authorizer, hub: hub, handshakeTimeout: handshakeTimeout, logger: logger,
                    encoder: encoder, decoder: decoder, makeSocketID: socketIDs.next,
                    realtimeGate: realtimeGate)
                try channel.pipeline.syncOperations.addHandlers([ReadBackpressureHandler(), encoder, decoder, handshake])
                hub.track(channel)
            }
        }
        // low == high: "unwritable" then means exactly "more than the cap is unsent".
        let waterMark = options.maxSocketBufferBytes > 0
            ? ChannelOptions.Types.WriteBufferWaterMark(low: options.maxSocketBufferBytes, high: options.maxSocketBufferBytes)
            : nil

        let listener: Listener
        do {
            if let fd = options.listenFD {
                var connections = ClientBootstrap(group: group)
                    .channelOption(.socketOption(.so_keepalive), value: 1)
                    .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                    .channelOption(.maxMessagesPerRead, value: Self.readsPerTurn)
                    .channelOption(.recvAllocator, value: Self.readSizes)
                    .channelInitializer(configure)
                if let waterMark { connections = connections.channelOption(ChannelOptions.writeBufferWaterMark, value: waterMark) }
                let acceptor = InheritedSocketAcceptor(listenFD: fd, bootstrap: connections, logger: logger)
                acceptor.start()
                listener = .inherited(acceptor, port: Self.localPort(of: fd) ?? options.port)
            } else {
                var bootstrap = ServerBootstrap(group: group)
                    .serverChannelOption(.backlog, value: 4096)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .serverChannelOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: 1)
                    .childChannelOption(.socketOption(.so_keepalive), value: 1)
                    .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                    .childChannelOption(.maxMessagesPerRead, value: Self.readsPerTurn)
                    .childChannelOption(.recvAllocator, value: Self.readSizes)
                    .childChannelInitializer(configure)
                if let waterMark { bootstrap = bootstrap.childChannelOption(ChannelOptions.writeBufferWaterMark, value: waterMark) }
                listener = .bound(try await bootstrap.bind(host: options.host, port: options.port).get())
            }
        } catch {
            replay.stop()
            replay.join(timeoutMs: 2_000)
            try? await group.shutdownGracefully()
            throw WorkerBootError.cannotListen(host: options.host, port: options.port, reason: "\(error)")
        }
        let port = listener.port
        let feed = FirehoseFeed(
            endpoint: options.redis, streamPrefix: options.streamPrefix, count: options.readCount,
            blockMs: options.readBlockMs, warmCount: options.hub.historyMaxEvents, hub: hub, logger: logger)
        feed.start()
        let subscriber = options.serviceProtocol.servesRealtime
            ? RealtimeFeed.subscriber(endpoint: options.redis, channel: options.realtimeChannel, hub: hub, logger: logger)
            : nil
        subscriber?.start()
        logger.info("listening", metadata: ["host": "\(options.host)", "port": "\(port)"])
        return GatewayWorker(
            localPort: port, group: group, listener: listener, hub: hub, feed: feed, replay: replay,
            subscriber: subscriber, options: options, logger: logger)
    }

    /// Completes once the worker has resolved the firehose's position (Redis reached):
    /// from then on every event published is delivered.
    public func firehoseReady() async throws {
        let hub = self.hub
        try await hub.eventLoop.flatSubmit { hub.value.firehoseReady.futureResult }.get()
    }

    /// Heartbeat figures, read on the loop.
    public func snapshot() async throws -> WorkerSnapshot {
        let feed = self.feed
        let hub = self.hub
        return try await hub.eventLoop.submit {
            let value = hub.value
            return WorkerSnapshot(
                connections: value.socketCount,
                channels: value.channelCount,
                redisState: feed.state,
                readerProgressAgeMs: feed.progressAgeMs(),
                firehosePosition: value.position.map { "\($0)" } ?? "",
                counters: value.metricsBackend.counterValues().merging([MetricNames.redisErrors: Int64(feed.redisErrors)]) { $1 },
                timers: value.metricsBackend.drainTimers())
        }.get()
    }

    /// Stops accepting, sends close 1001 to every socket, waits for them to close for at
    /// most `timeout`, then closes what is left and stops the reader. Returns the last
    /// snapshot, taken after the drain, for the worker's final report.
    @discardableResult
    public func drain(timeout: TimeAmount) async -> WorkerSnapshot? {
        let hub = self.hub
        await listener.close()
        _ = try? await hub.eventLoop.flatSubmit { hub.value.drain(within: timeout) }.get()
        let last = try? await snapshot()
        await shutdown()
        return last
    }

    /// Stops everything at once.
    public func shutdown() async {
        let hub = self.hub
        let threads: [any ThreadLifecycle] = [feed, replay] + (subscriber.map { [$0] } ?? [])
        threads.forEach { $0.stop() }
        await listener.close()
        try? await hub.eventLoop.submit { hub.value.shutdown() }.get()
        // Before the loop goes: a reader or a replay may still hand it a last callback.
        for thread in threads { thread.join(timeoutMs: options.readBlockMs + 2_000) }
        try? await group.shutdownGracefully()
    }
}

extension GatewayWorker {
    /// Where connections come from: a socket this worker bound, or an inherited one.
    enum Listener: Sendable {
        case bound(any Channel)
        case inherited(InheritedSocketAcceptor, port: Int)

        var port: Int {
            switch self {
            case .bound(let channel): channel.localAddress?.port ?? 0
            case .inherited(_, let port): port
            }
        }

        func close() async {
            switch self {
            case .bound(let channel): try? await channel.close()
            case .inherited(let acceptor, _):
                acceptor.stop()
                acceptor.join(timeoutMs: 2_000)
            }
        }
    }

    /// The port an inherited socket is bound to (IPv4 or IPv6: both keep it at offset 2).
    /// One read per connection per loop turn, of at most 16 KiB: browsers send almost
    /// nothing, and a client that pipelines requests or floods frames then costs the loop
    /// the replies to 16 KiB at a time, so timers, heartbeats and other sockets keep
    /// their turn (64 KiB × 4 reads of pipelined requests held a debug worker past its
    /// heartbeat on a loaded machine). The first read is 256 bytes: NIO keeps a
    /// connection's last receive buffer for its next read, so an idle socket holds one
    /// buffer of about that size (1,024 cost 489 B more per idle connection than 512, and
    /// 512 about 200 B more than 256); a handshake larger than that takes more reads.
    static let readsPerTurn: UInt = 1
    static let readSizes = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 256, maximum: 16_384)

    static func localPort(of fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard ok == 0 else { return nil }
        return withUnsafeBytes(of: &storage) { raw in Int(UInt16(raw[2]) << 8 | UInt16(raw[3])) }
    }
}

public enum WorkerBootError: Error, CustomStringConvertible {
    case cannotListen(host: String, port: Int, reason: String)
    /// The CA, certificate or key files of `redis.tls*` cannot be used.
    case unusableRedisTLS(String)

    public var description: String {
        switch self {
        case .cannotListen(let host, let port, let reason): "cannot listen on \(host):\(port): \(reason)"
        case .unusableRedisTLS(let reason): reason
        }
    }
}
