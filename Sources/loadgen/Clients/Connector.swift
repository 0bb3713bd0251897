import NIOCore
import NIOPosix

/// Opens one event loop's share of a client process's connections, at most `maxInFlight`
/// handshakes at a time, each from its planned source address to its planned target.
/// Loop-confined (`@unchecked Sendable` only so NIO's callbacks can carry it).
final class Connector: @unchecked Sendable {
    let loop: any EventLoop
    let stats = LoopStats()
    private let plan: ClientPlan
    private let indices: [Int]
    private let maxInFlight: Int
    private let receiveBuffer: Int?
    private var next = 0
    private var inFlight = 0
    private var answered = 0
    private var requests: [String: ByteBuffer] = [:]
    private let onConnected: () -> Void

    init(loop: any EventLoop, plan: ClientPlan, indices: [Int], maxInFlight: Int, receiveBuffer: Int?, onConnected: @escaping () -> Void, onComplete: @escaping () -> Void) {
        self.loop = loop
        self.plan = plan
        self.indices = indices
        self.maxInFlight = max(1, maxInFlight)
        self.receiveBuffer = receiveBuffer
        self.onConnected = onConnected
        stats.expected = plan.expected
        stats.onComplete = onComplete
    }

    /// Builds every request up front (signing tokens is the client's cost, not the
    /// server's), so that the timed phase only connects.
    func prepare() {
        for index in indices {
            let channel = plan.channel(of: index)
            let target = plan.targets[index % plan.targets.count]
            let key = channel + "@" + target
            if requests[key] == nil { requests[key] = plan.request(channel: channel, target: target) }
        }
    }

    func start() {
        stats.firstConnectNs = BenchClock.nowNs()
        if indices.isEmpty { finishConnecting() }
        launchMore()
    }

    private func launchMore() {
        while inFlight < maxInFlight, next < indices.count {
            let index = indices[next]
            next += 1
            inFlight += 1
            launch(index)
        }
    }

    private func launch(_ index: Int) {
        stats.attempted += 1
        let channelID = plan.channel(of: index)
        let target = plan.targets[index % plan.targets.count]
        let source = plan.sources[index % plan.sources.count]
        let request = requests[channelID + "@" + target] ?? plan.request(channel: channelID, target: target)
        let expected = plan.expected
        let stats = self.stats
        var bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = LoadConnection(stats: stats, request: request, expected: expected) { [self] _ in
                        self.answeredOne()
                    }
                    stats.connections.append(handler)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        if let receiveBuffer {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBuffer))
        }
        do {
            bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0))
            let address = try SocketAddress(ipAddress: target, port: plan.port)
            bootstrap.connect(to: address).whenFailure { [self] _ in
                stats.failed += 1
                self.answeredOne()
            }
        } catch {
            stats.failed += 1
            answeredOne()
        }
    }

    private func answeredOne() {
        inFlight -= 1
        answered += 1
        if answered == indices.count { finishConnecting() }
        launchMore()
    }

    private func finishConnecting() {
        stats.connectingDone = true
        onConnected()
        stats.completeIfDone(BenchClock.nowNs())
    }
}
