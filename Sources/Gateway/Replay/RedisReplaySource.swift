import Events
import Foundation
import Logging
import RedisStreams

/// Serves replays that the in-memory history cannot: on its own threads and Redis
/// connections, so a replay never waits behind the firehose's blocking `XREAD`.
///
/// Requests are planned in batches (`ReplayPlanner`: what each needs, from a few cheap
/// probes) and served by shared, paged scans of the firehose (`FirehoseScan`), the
/// threads taking turns over plans and pages (`ReplayScheduler`). So a replay costs
/// Redis at most one page at a time, sockets waiting together share one read of the
/// firehose, a short replay is not queued behind long ones, and a socket that closes
/// stops its share of the work (`ReplayTicket`).
///
/// Its threads have the worker's thread lifecycle (`start`, `stop`, `join`): a stop fails
/// what is queued and interrupts a replay under way (its connection watches the threads'
/// interrupter).
public final class RedisReplaySource: ReplaySource, ThreadLifecycle, @unchecked Sendable {
    // @unchecked: `scheduler` is guarded by `condition`; a scan or plan handed out by it
    // belongs to one thread until it is handed back; connections are owned by one
    // thread each.
    private let endpoint: RedisEndpoint
    private let planner: ReplayPlanner
    private let pageSize: Int
    private let logger: Logger
    private let condition = NSCondition()
    private var scheduler = ReplayScheduler()
    private let threads: ServiceThreads
    private let counters = ReplayCounters()

    /// - Parameters:
    ///   - pageSize: entries per `XRANGE` page of a scan: the unit of work a thread does
    ///     before another scan or plan gets its turn.
    ///   - producerSkewMs: how far an event's channel-stream id may trail its firehose id
    ///     (the time between Superset's two `XADD`s), for the skip-ahead (`ReplayPlanner`).
    public init(
        endpoint: RedisEndpoint, streamPrefix: String, threads: Int = 2, pageSize: Int = 1000,
        producerSkewMs: UInt64 = 60_000, logger: Logger
    ) {
        self.endpoint = endpoint
        self.planner = ReplayPlanner(firehose: streamPrefix + "full", channelPrefix: streamPrefix, producerSkewMs: producerSkewMs)
        self.pageSize = max(1, pageSize)
        self.logger = logger
        self.threads = ServiceThreads(name: "replay", count: threads)
    }

    /// What the source has done so far (for tests and benchmarks).
    public var statistics: ReplayCounters.Snapshot { counters.snapshot }

    public func start() {
        threads.start { [self] _ in run() }
    }

    @discardableResult
    public func fetch(
        channelID: String, after lastID: StreamID, upTo position: StreamID,
        completion: @escaping @Sendable (Result<ReplayBatch, any Error>) -> Void
    ) -> ReplayTicket {
        let ticket = ReplayTicket()
        let request = ReplayRequest(channelID: channelID, after: lastID, upTo: position, ticket: ticket, completion: completion)
        condition.lock()
        guard !threads.isStopping else {
            condition.unlock()
            request.fail(ReplayCancelled.stopped)
            return ticket
        }
        scheduler.enqueue(request)
        condition.signal()
        condition.unlock()
        return ticket
    }

    /// Fails what is queued and lets the threads end (a replay under way fails at once).
    public func stop() {
        threads.stop()
        // Threads waiting for work wait on `condition`: wake them to see the stop.
        condition.lock()
        let pending = scheduler.drain()
        condition.broadcast()
        condition.unlock()
        for request in pending { request.fail(ReplayCancelled.stopped) }
    }

    @discardableResult
    public func join(timeoutMs: Int? = nil) -> Bool {
        threads.join(timeoutMs: timeoutMs)
    }

    private func run() {
        let connection = RedisConnection(endpoint: endpoint, interrupter: threads.interrupter)
        defer { connection.close() }
        while let work = next() {
            switch work {
            case .plan(let requests):
                plan(requests, on: connection)
            case .page(let scan):
                page(scan, on: connection)
            }
        }
    }

    /// Waits for a step; fails cancelled requests on the way. Nil once stopping.
    private func next() -> ReplayScheduler.Work? {
        condition.lock()
        defer { condition.unlock() }
        while !threads.isStopping {
            let (work, cancelled) = scheduler.next()
            if !cancelled.isEmpty {
                // Failed outside the lock: their completions hop to the workers' loops.
                condition.unlock()
                counters.cancelled(cancelled.count)
                for request in cancelled { request.fail(ReplayCancelled.socketClosed) }
                condition.lock()
            }
            if let work { return work }
            // Nothing to do: wait, unless cancelled requests were just failed (ask again).
            if cancelled.isEmpty { condition.wait() }
        }
        return nil
    }

    private func plan(_ requests: [ReplayRequest], on connection: RedisConnection) {
        counters.planned(requests.count)
        var toScan: [ReplayRequest] = []
        do {
            toScan = try retrying(on: connection) { try planner.plan(requests, on: connection) }
        } catch {
            for request in requests { request.fail(error) }
        }
        for request in toScan {
            logger.debug("replay planned", metadata: [
                "channel": "\(request.channelID)", "after": "\(request.after)", "up_to": "\(request.upTo)",
                "windows": "\(request.windows.map { "\($0.count)" } ?? "all")",
                "first": "\(request.needed(from: request.start).map { "\($0.lowerBound)" } ?? "none")",
            ])
        }
        condition.lock()
        scheduler.planned(toScan)
        condition.broadcast()
        condition.unlock()
    }

    private func page(_ scan: FirehoseScan, on connection: RedisConnection) {
        var done: [ReplayRequest] = []
        var failure: (any Error)?
        do {
            if let stretch = scan.nextStretch() {
                let page = try retrying(on: connection) {
                    try connection.xrangeBatch(stream: planner.firehose, from: stretch.lowerBound, to: stretch.upperBound, count: pageSize)
                }
                counters.paged()
                done = scan.consume(page, of: stretch, pageSize: pageSize)
            } else {
                done = scan.takeSubscribers()
            }
        } catch {
            failure = error
            done = scan.takeSubscribers()
        }
        condition.lock()
        scheduler.paged(scan)
        condition.broadcast()
        condition.unlock()
        for request in done {
            logger.debug("replay scanned", metadata: [
                "channel": "\(request.channelID)", "after": "\(request.after)", "events": "\(request.events.count)",
                "failed": "\(failure.map { "\($0)" } ?? "no")",
            ])
            if let failure { request.fail(failure) } else { request.succeed() }
        }
    }

    /// Runs `body` on `connection`, connecting first. A connection kept from an earlier
    /// step may have died with a Redis restart since: that costs one retry on a fresh
    /// connection, not the clients' sockets.
    private func retrying<T>(on connection: RedisConnection, _ body: () throws -> T) throws -> T {
        let attempts = connection.isConnected ? 2 : 1
        for attempt in 1...attempts {
            do {
                if !connection.isConnected { try connection.connect() }
                return try body()
            } catch {
                connection.close()
                if attempt == attempts || threads.isStopping { throw error }
            }
        }
        preconditionFailure("unreachable")
    }
}
