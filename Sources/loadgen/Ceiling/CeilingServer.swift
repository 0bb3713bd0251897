import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The ceiling of our own stack: SwiftNIO's standard HTTP server pipeline and
/// `NIOWebSocketServerUpgrader`, every upgrade accepted (no JWT, no Redis, no channel
/// registry, no replay), frames encoded once per event and written as bytes. Same thread
/// count as the service's workers, same socket options, and
/// the driver runs one such process per worker of the service on one `SO_REUSEPORT` port. What it achieves is what the
/// service could at best; the service's figure divided by it is the part of the machine
/// the service leaves on the table.
final class CeilingServer: Sendable {
    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let loops: [CeilingLoop]

    init(host: String, port: Int, threads: Int, reusePort: Bool) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        let loops = Array(group.makeIterator()).map { CeilingLoop(loop: $0) }
        let byLoop = Dictionary(uniqueKeysWithValues: loops.map { (ObjectIdentifier($0.loop as AnyObject), $0) })
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: reusePort ? 1 : 0)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                let registry = byLoop[ObjectIdentifier(channel.eventLoop as AnyObject)]!
                let upgrader = NIOWebSocketServerUpgrader(
                    shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            // First in the pipeline: its writes go straight to the socket,
                            // bypassing the frame encoder (the frames are bytes already).
                            try channel.pipeline.syncOperations.addHandler(CeilingSocketHandler(registry: registry), position: .first)
                        }
                    })
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                }
            }
        self.channel = try bootstrap.bind(host: host, port: port).wait()
        self.port = channel.localAddress?.port ?? port
        self.group = group
        self.loops = loops
    }

    /// Every socket receives `events` messages; returns the frames written.
    func broadcast(events: Int) -> Int {
        let futures = loops.map { registry in
            registry.loop.flatSubmit {
                let done = registry.loop.makePromise(of: Int.self)
                registry.broadcast(events: events, done: done)
                return done.futureResult
            }
        }
        return futures.reduce(0) { $0 + ((try? $1.wait()) ?? 0) }
    }

    /// `perSocket` messages to every socket, one socket at a time in turn, at
    /// `perSecond` in total over this process's loops (1 ms ticks).
    func paced(perSocket: Int, perSecond: Double) -> Int {
        let counts = connectionsPerLoop()
        let total = max(1, counts.reduce(0, +))
        let futures = zip(loops, counts).map { registry, count in
            registry.loop.flatSubmit {
                let done = registry.loop.makePromise(of: Int.self)
                let share = perSocket * count
                guard share > 0 else {
                    done.succeed(0)
                    return done.futureResult
                }
                let pacer = Pacer(share: share, perMs: perSecond * Double(count) / Double(total) / 1_000)
                registry.loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(1)) { task in
                    pacer.tick(registry)
                    if pacer.sent >= share {
                        task.cancel()
                        done.succeed(pacer.sent)
                    }
                }
                return done.futureResult
            }
        }
        return futures.reduce(0) { $0 + ((try? $1.wait()) ?? 0) }
    }

    func connectionsPerLoop() -> [Int] {
        loops.map { registry in (try? registry.loop.submit { registry.count }.wait()) ?? 0 }
    }

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// Registers an upgraded socket with its loop's registry; forwards everything inbound.
final class CeilingSocketHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let registry: CeilingLoop

    init(registry: CeilingLoop) {
        self.registry = registry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        registry.add(context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        registry.remove(context)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        registry.remove(context)
    }
}

/// The paced mode's progress on one loop: credit grows with elapsed time, so a late
/// tick catches up instead of drifting. Loop-confined.
final class Pacer: @unchecked Sendable {
    private let share: Int
    private let perMs: Double
    private let start = NIODeadline.now()
    private(set) var sent = 0

    init(share: Int, perMs: Double) {
        self.share = share
        self.perMs = perMs
    }

    func tick(_ registry: CeilingLoop) {
        let elapsedMs = Double((NIODeadline.now() - start).nanoseconds) / 1e6
        var credit = min(Double(share), elapsedMs * perMs) - Double(sent)
        while credit >= 1, sent < share {
            guard registry.sendToNext() else { return }
            sent += 1
            credit -= 1
        }
    }
}
