import Events
import Foundation
import Logging
import NIOCore
import RedisStreams
import ServiceMetrics

/// The heart of a worker: routes firehose events to the sockets of their channel.
/// Confined to the worker's single event loop, so the hot path takes no locks; other
/// threads reach it only through `eventLoop.execute`.
///
/// This file is routing and dispatch. Each other concern is its own type:
/// `ChannelRegistry` (which sockets listen to which channel), `ReplayHistory` (the recent
/// firehose), a `ReplayCursor` per socket (its replay, carried out in
/// `ChannelHub+Replay`), `LivenessSweep` (pings, in `ChannelHub+Sockets`),
/// `ConnectionSet` (the drain, in `ChannelHub+Lifecycle`) and `DeliveryTally`. Other
/// files use the hub's surface: a socket's events (`open`, `close`, `closed`, `pong`,
/// `writabilityChanged`), the firehose (`start`, `dispatch`, `entriesSkipped`), the
/// worker's lifecycle (`startTimers`, `track`, `drain`, `shutdown`) and its figures.
final class ChannelHub {
    let eventLoop: any EventLoop
    let settings: Settings
    let replaySource: any ReplaySource
    let logger: Logger
    let allocator = ByteBufferAllocator()
    /// The worker's metrics backend (read by heartbeats) and the hub's metrics in it.
    let metricsBackend: WorkerMetrics
    let metrics: HubMetrics

    // The hub's state: changed only by the hub's own files.
    var registry = ChannelRegistry()
    var history: ReplayHistory
    var sweep: LivenessSweep
    var connections = ConnectionSet()
    var tally = DeliveryTally()
    /// Replaying sockets opened before the firehose position was known.
    var waitingForPosition: [SocketSession] = []
    /// The id of the last firehose entry dispatched here; nil until the reader has
    /// resolved `$` and warmed the history. Replays reach up to it; live events follow it.
    private(set) var position: StreamID?
    /// Sockets with unflushed firehose writes of the batch being dispatched (see
    /// `flushTouched`).
    private var touched: [SocketSession] = []
    /// The realtime side, when the worker serves Superset 7's protocol (`ChannelHub+Realtime`).
    var realtime: RealtimeState?
    /// Completed when the realtime subscriber first subscribed.
    private(set) lazy var realtimeReady: EventLoopPromise<Void> = eventLoop.makePromise()
    /// The liveness and GC timers (`startTimers`).
    var timers: [RepeatedTask] = []
    /// Completed when the firehose position is known (see `start(position:warm:)`).
    private(set) lazy var firehoseReady: EventLoopPromise<Void> = eventLoop.makePromise()

    init(eventLoop: any EventLoop, settings: Settings, replaySource: any ReplaySource, logger: Logger, metrics: WorkerMetrics = WorkerMetrics()) {
        self.metricsBackend = metrics
        self.metrics = HubMetrics(factory: metrics)
        self.eventLoop = eventLoop
        self.settings = settings
        self.replaySource = replaySource
        self.logger = logger
        self.history = ReplayHistory(maxEvents: settings.historyMaxEvents, maxBytes: settings.historyMaxBytes)
        self.sweep = LivenessSweep(pingInterval: settings.pingInterval)
    }

    var bound: NIOLoopBound<ChannelHub> { NIOLoopBound(self, eventLoop: eventLoop) }

    var socketCount: Int { registry.socketCount }
    var channelCount: Int { registry.channelCount }

    // MARK: - The firehose

    /// The reader resolved the firehose's position and read the newest entries before it:
    /// replays can start, and waiting sockets get theirs.
    func start(position: StreamID, warm events: [DeliverableEvent]) {
        history.reset(floor: events.first?.id ?? position)
        for event in events where event.id <= position { history.append(event) }
        self.position = position
        firehoseReady.succeed()
        let waiting = waitingForPosition
        waitingForPosition.removeAll()
        for session in waiting { pump(session) }
    }

    /// The firehose was trimmed past the reader; the events it recovered from the channel
    /// streams of this worker's sockets were dispatched already. The history cannot claim
    /// the gap for other channels, so it starts over after it: a `last_id` in the gap is
    /// replayed from Redis, whose channel stream fills in (a possible gap, counted there).
    func firehoseTrimmed(_ gap: FirehoseGap) {
        metrics.firehoseTrimmed.increment()
        if let removed = gap.removedEntries, removed > 0 { metrics.firehoseTrimmedEntries.increment(by: Int(removed)) }
        if gap.recovered > 0 { metrics.eventsRecovered.increment(by: gap.recovered) }
        let floor = max(position ?? .zero, gap.through)
        history.reset(floor: floor)
        if position != nil { position = floor }
    }

    /// The reader skipped malformed entries (it logged each).
    func entriesSkipped(_ count: Int) {
        if count > 0 { metrics.malformedEntries.increment(by: count) }
    }

    /// Delivers a batch of firehose events, yielding to the loop every
    /// `eventYieldBatchSize` events or `writeYieldBudget` socket writes, whichever comes
    /// first, so that pings and handshakes are not starved; `onTurn` runs at the start of
    /// each turn (the feed's sign that delivery is progressing while its reader waits), and
    /// `done` is completed when the whole batch is delivered (the reader waits on it).
    func dispatch(
        _ batch: [DeliverableEvent], from start: Int = 0, done: EventLoopPromise<Void>?,
        onTurn: (@Sendable () -> Void)? = nil
    ) {
        onTurn?()
        let limit = min(batch.count, start + max(1, settings.eventYieldBatchSize))
        let nowMs = UInt64(Date().timeIntervalSince1970 * 1000)
        var end = start
        while end < limit {
            deliver(batch[end], nowMs: nowMs)
            end += 1
            if tally.delivered >= settings.writeYieldBudget { break }
        }
        flushTouched(batchDone: end >= batch.count)
        tally.record(into: metrics)
        if end < batch.count {
            let (hub, next) = (bound, end)
            eventLoop.execute { hub.value.dispatch(batch, from: next, done: done, onTurn: onTurn) }
        } else {
            done?.succeed()
        }
    }

    /// Writes the event to every live socket of its channel that does not have it; a
    /// replaying socket's cursor reaches it through the history.
    private func deliver(_ event: DeliverableEvent, nowMs: UInt64) {
        if let position, event.id <= position { return }
        position = event.id
        history.append(event)
        tally.read += 1
        guard let sockets = registry.channels[event.channelID] else { return }
        let deliveredBefore = tally.delivered
        for session in sockets where session.cursor.liveEvent(event.id) == .write {
            guard session.channel.isActive else {
                metrics.sendErrors.increment()
                continue
            }
            if !session.needsFlush { touched.append(session) }
            session.write(event)
            tally.delivered += 1
        }
        if tally.delivered > deliveredBefore {
            let latencyMs = nowMs > event.id.milliseconds ? nowMs - event.id.milliseconds : 0
            metrics.deliveryLatency.recordMilliseconds(Int64(latencyMs))
        }
    }

    /// Flushes the sockets written to, at the end of a turn of `dispatch`.
    ///
    /// When the batch is done, every one. Mid-batch, only those with at least
    /// `flushThresholdBytes` unflushed; the others wait for a later turn of the same
    /// batch. A large fan-out takes many turns (`writeYieldBudget`), each only a couple
    /// of events deep per socket: flushing every socket every turn cost one `writev` per
    /// socket per two events (427,381 write calls for 1,000,000 broadcast deliveries),
    /// where one per socket per batch does. An event then waits at most until its batch
    /// is written, which the yield budget keeps short per turn.
    private func flushTouched(batchDone: Bool) {
        guard !touched.isEmpty else { return }
        if batchDone {
            for session in touched { flushAndCheck(session) }
            touched.removeAll(keepingCapacity: true)
            return
        }
        let threshold = flushThresholdBytes
        touched.removeAll { session in
            guard session.needsFlush else { return true }
            guard session.unflushedBytes >= threshold else { return false }
            flushAndCheck(session)
            return true
        }
    }

    /// Unflushed bytes that make a socket flush before its batch is done: well below
    /// `maxSocketBufferBytes`, which unflushed bytes count towards too.
    private var flushThresholdBytes: Int {
        let cap = settings.maxSocketBufferBytes
        return cap > 0 ? min(16 << 10, max(1, cap / 4)) : 16 << 10
    }

    /// Flushes a live socket, then applies `maxSocketBufferBytes` to what the kernel did
    /// not take: that is upstream's `bufferedAmount`. (Slow consumers are judged after
    /// flushes because NIO counts bytes not yet flushed as well.)
    private func flushAndCheck(_ session: SocketSession) {
        session.flushIfNeeded()
        if settings.maxSocketBufferBytes > 0, session.cursor.phase == .live, !session.channel.isWritable {
            overflowed(session)
        }
    }
}
