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
    private let serverChannel: any Channel
    private let hub: NIOLoopBound<ChannelHub>
    private let feed: FirehoseFeed
    private let replay: RedisReplaySource
    private let options: GatewayOptions
    private let logger: Logger

    private init(
        localPort: Int, group: MultiThreadedEventLoopGroup, serverChannel: any Channel, hub: NIOLoopBound<ChannelHub>,
        feed: FirehoseFeed, replay: RedisReplaySource, options: GatewayOptions, logger: Logger
    ) {
        self.localPort = localPort
        self.group = group
        self.serverChannel = serverChannel
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
        let verifier = TokenVerifier.make(
            secret: options.jwtSecret, allowedAlgorithms: options.jwtAlgorithms, channelClaim: options.jwtChannelIdKey)
        let authorizer = HandshakeAuthorizer(
            origins: OriginPolicy(allowedOrigins: options.allowedOrigins), verifier: verifier, cookieName: options.jwtCookieName)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let replay = RedisReplaySource(endpoint: options.redis, streamPrefix: options.streamPrefix, logger: logger)
        let hub = try await loop.submit {
            let hub = ChannelHub(eventLoop: loop, settings: options.hub, replaySource: replay, logger: logger, metrics: metrics)
            hub.startTimers()
            return NIOLoopBound(hub, eventLoop: loop)
        }.get()

        let handshakeTimeout = options.handshakeTimeout
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let hub = hub.value
                    let encoder = HTTPResponseEncoder()
                    let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
                    let handshake = HTTPHandshakeHandler(
                        authorizer: authorizer, hub: hub, handshakeTimeout: handshakeTimeout, logger: logger,
                        encoder: encoder, decoder: decoder, makeSocketID: { UUID().uuidString.lowercased() })
                    try channel.pipeline.syncOperations.addHandlers([encoder, decoder, handshake])
                    hub.connectionOpened(channel)
                    channel.closeFuture.whenComplete { _ in hub.connectionClosed(channel) }
                }
            }
        if options.maxSocketBufferBytes > 0 {
            // low == high: "unwritable" then means exactly "more than the cap is unsent".
            let high = options.maxSocketBufferBytes
            bootstrap = bootstrap.childChannelOption(
                ChannelOptions.writeBufferWaterMark, value: ChannelOptions.Types.WriteBufferWaterMark(low: high, high: high))
        }

        let serverChannel: any Channel
        do {
            if let fd = options.listenFD {
                serverChannel = try await bootstrap.withBoundSocket(fd).get()
            } else {
                serverChannel = try await bootstrap.bind(host: options.host, port: options.port).get()
            }
        } catch {
            replay.stop()
            try? await group.shutdownGracefully()
            throw WorkerBootError.cannotListen(host: options.host, port: options.port, reason: "\(error)")
        }
        let port = serverChannel.localAddress?.port ?? options.port
        let feed = FirehoseFeed(
            endpoint: options.redis, streamPrefix: options.streamPrefix, count: options.readCount,
            blockMs: options.readBlockMs, warmCount: options.hub.historyMaxEvents, hub: hub, logger: logger)
        feed.start()
        logger.info("listening", metadata: ["host": "\(options.host)", "port": "\(port)"])
        return GatewayWorker(
            localPort: port, group: group, serverChannel: serverChannel, hub: hub, feed: feed, replay: replay,
            options: options, logger: logger)
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
                connections: value.registry.socketCount,
                channels: value.registry.channelCount,
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
        try? await serverChannel.close()
        let closed = try? await hub.eventLoop.flatSubmit {
            hub.value.goAway()
            let all = hub.value.allConnectionsClosed()
            let deadline = hub.eventLoop.scheduleTask(in: timeout) { hub.value.closeAllConnections() }
            all.whenComplete { _ in deadline.cancel() }
            return all
        }.get()
        _ = closed
        let last = try? await snapshot()
        await shutdown()
        return last
    }

    /// Stops everything at once.
    public func shutdown() async {
        let hub = self.hub
        feed.stop()
        replay.stop()
        try? await serverChannel.close()
        try? await hub.eventLoop.submit {
            hub.value.stopTimers()
            hub.value.closeAllConnections()
        }.get()
        feed.join(timeoutMs: options.readBlockMs + 2_000)
        try? await group.shutdownGracefully()
    }
}

public enum WorkerBootError: Error, CustomStringConvertible {
    case cannotListen(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .cannotListen(let host, let port, let reason): "cannot listen on \(host):\(port): \(reason)"
        }
    }
}
