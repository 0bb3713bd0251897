import Events
import Foundation
import Logging
import MonotonicTime
import NIOConcurrencyHelpers
import NIOCore
import RedisStreams

/// Connects the worker to the firehose: resolves `$` to a concrete id, warms the replay
/// history with the newest entries before it, hands both to the hub, then runs a
/// `FirehoseReader` from exactly that id. Until Redis answers it retries with back-off
/// while the worker already serves `/health` and accepts sockets.
///
/// Entries are encoded (JSON compaction and WebSocket framing) here, on the reader's
/// thread, so the event loop only routes ready frames. The reader waits until the loop
/// has delivered each batch: that is the flow control between Redis and the sockets.
final class FirehoseFeed: Sendable {
    private let endpoint: RedisEndpoint
    private let stream: String
    private let count: Int
    private let blockMs: Int
    private let warmCount: Int
    private let hub: NIOLoopBound<ChannelHub>
    private let logger: Logger
    private let interrupter = RedisInterrupter()
    private let reader = NIOLockedValueBox<FirehoseReader?>(nil)
    private let bootstrapDone = NIOLockedValueBox<Bool>(false)
    /// When the loop last started a turn of delivering a batch: while it does, the reader
    /// waits on it without reading, and is not stuck (a large fan-out takes many turns).
    private let deliveryProgress = NIOLockedValueBox<UInt64>(0)
    private let allocator = ByteBufferAllocator()

    init(endpoint: RedisEndpoint, streamPrefix: String, count: Int, blockMs: Int, warmCount: Int, hub: NIOLoopBound<ChannelHub>, logger: Logger) {
        self.endpoint = endpoint
        self.stream = streamPrefix + "full"
        self.count = count
        self.blockMs = blockMs
        self.warmCount = warmCount
        self.hub = hub
        self.logger = logger
    }

    /// Redis state for heartbeats: "connecting" until bootstrapped, then the reader's.
    var state: String {
        reader.withLockedValue { $0?.state.description } ?? "connecting"
    }

    /// Milliseconds since the reader last completed a read (or since bootstrap began):
    /// the supervisor treats a large value as a hung reader.
    func progressAgeMs(now: UInt64 = MonotonicClock.nanoseconds()) -> Int64 {
        guard let reader = reader.withLockedValue({ $0 }) else { return 0 }
        let last = max(reader.lastProgress, deliveryProgress.withLockedValue { $0 })
        return last == 0 || now < last ? 0 : Int64((now - last) / 1_000_000)
    }

    /// Redis errors of the firehose reader so far.
    var redisErrors: Int {
        reader.withLockedValue { $0?.errors } ?? 0
    }

    var lastDeliveredID: StreamID? {
        reader.withLockedValue { $0?.lastDeliveredID }
    }

    func start() {
        let thread = Thread { [self] in self.bootstrap() }
        thread.name = "firehose-bootstrap"
        thread.start()
    }

    func stop() {
        interrupter.interrupt()
        reader.withLockedValue { $0?.stop() }
    }

    func join(timeoutMs: Int) {
        _ = reader.withLockedValue({ $0 })?.join(timeoutMs: timeoutMs)
    }

    private func bootstrap() {
        var delayMs = 50
        var loggedFailure = false
        while !interrupter.isInterrupted {
            let connection = RedisConnection(endpoint: endpoint)
            do {
                try connection.connect()
                // `$` first, then the newest entries, keeping only those up to `$`: they
                // are then exactly the newest entries before the reader's start.
                let position = try connection.lastGeneratedID(stream: stream)
                let newest = try connection.xrevrange(stream: stream, count: warmCount)
                connection.close()
                let warm = newest.reversed().filter { $0.id <= position }.compactMap(encode)
                if loggedFailure { logger.notice("reached Redis", metadata: ["endpoint": "\(endpoint)"]) }
                logger.info("firehose resolved", metadata: ["stream": "\(stream)", "position": "\(position)", "warm": "\(warm.count)"])
                startReading(after: position, warm: warm)
                return
            } catch {
                connection.close()
                if !loggedFailure {
                    loggedFailure = true
                    logger.error("cannot reach Redis; serving /health and retrying", metadata: ["error": "\(error)"])
                }
                if interrupter.wait(milliseconds: delayMs) { return }
                delayMs = min(delayMs * 2, 5_000)
            }
        }
    }

    private func startReading(after position: StreamID, warm: [DeliverableEvent]) {
        let hub = self.hub
        hub.eventLoop.execute { hub.value.start(position: position, warm: warm) }
        let reader = FirehoseReader(
            endpoint: endpoint, stream: stream, startAfter: position, count: count, blockMs: blockMs,
            logger: logger
        ) { [self] entries in
            let batch = entries.compactMap(encode)
            let malformed = entries.count - batch.count
            let done = hub.eventLoop.makePromise(of: Void.self)
            hub.eventLoop.execute {
                if malformed > 0 { hub.value.metrics.malformedEntries.increment(by: malformed) }
                hub.value.dispatch(batch, done: done) { [progress = self.deliveryProgress] in
                    progress.withLockedValue { $0 = MonotonicClock.nanoseconds() }
                }
            }
            try? done.futureResult.wait()
        }
        let stopped = self.reader.withLockedValue { current -> Bool in
            current = reader
            return interrupter.isInterrupted
        }
        if !stopped { reader.start() }
    }

    /// Encodes an entry for the wire, or logs and skips it.
    private func encode(_ entry: StreamEntry) -> DeliverableEvent? {
        switch EventEncoder.encode(entry) {
        case .success(let event):
            return DeliverableEvent(event, allocator: allocator)
        case .failure(let error):
            logger.warning("skipping malformed stream entry", metadata: ["id": "\(entry.id)", "error": "\(error)"])
            return nil
        }
    }
}
