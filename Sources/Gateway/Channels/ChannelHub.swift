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

    /// Delivers a batch of firehose events, yielding to the loop after every
    /// `eventYieldBatchSize` events and every `writeYieldBudget` socket writes, so that
    /// pings and handshakes are not starved; `onTurn` runs at the start of each turn (the
    /// feed's sign that delivery is progressing while its reader waits), and `done` is
    /// completed when the whole batch is delivered (the reader waits on it).
    ///
    /// Each chunk of the batch enters the history at once (the position moves past it),
    /// then is written socket by socket (`DeliveryChunk`). A socket that opens with a
    /// `last_id` while a chunk is being written replays the chunk from the history; its
    /// cursor keeps any event from reaching a socket twice.
    func dispatch(
        _ batch: [DeliverableEvent], from start: Int = 0, done: EventLoopPromise<Void>?,
        onTurn: (@Sendable () -> Void)? = nil
    ) {
        var chunk = DeliveryChunk(end: min(batch.count, start + max(1, settings.eventYieldBatchSize)))
        for index in start..<chunk.end {
            let event = batch[index]
            if let position, event.id <= position { continue }
            position = event.id
            history.append(event)
            tally.read += 1
            chunk.add(event) { registry.sockets(in: $0) }
        }
        writeChunk(chunk, of: batch, done: done, onTurn: onTurn)
    }

    /// One turn of a chunk's writes; the next turn continues the chunk, then the batch.
    private func writeChunk(
        _ chunk: DeliveryChunk, of batch: [DeliverableEvent], done: EventLoopPromise<Void>?,
        onTurn: (@Sendable () -> Void)?
    ) {
        onTurn?()
        var chunk = chunk
        writeTurn(&chunk)
        tally.record(into: metrics)
        let hub = bound
        if !chunk.isWritten {
            eventLoop.execute { hub.value.writeChunk(chunk, of: batch, done: done, onTurn: onTurn) }
        } else if chunk.end < batch.count {
            let next = chunk.end
            eventLoop.execute { hub.value.dispatch(batch, from: next, done: done, onTurn: onTurn) }
        } else {
            done?.succeed()
        }
    }

    /// Writes the chunk's groups socket by socket until they are done or this turn's
    /// `writeYieldBudget` is spent (checked between sockets). Each socket is flushed
    /// after its events, and sooner past `flushThresholdBytes`.
    private func writeTurn(_ chunk: inout DeliveryChunk) {
        let budget = max(1, settings.writeYieldBudget)
        let threshold = flushThresholdBytes
        let nowMs = UInt64(Date().timeIntervalSince1970 * 1000)
        var written = 0
        while !chunk.isWritten {
            let group = chunk.groups[chunk.nextGroup]
            while chunk.nextSocket < group.sockets.count {
                if written >= budget { return }
                let session = group.sockets[chunk.nextSocket]
                chunk.nextSocket += 1
                let writes = write(group.events, to: session, flushingAt: threshold)
                if writes > 0 { chunk.groupDelivered = true }
                written += writes
            }
            if chunk.groupDelivered { recordLatency(of: group.events, nowMs: nowMs) }
            chunk.nextGroupStarts()
        }
    }

    /// Writes a socket the events of its channel that it does not have (a replaying
    /// socket's cursor reaches them through the history), then flushes it. Returns the
    /// number of writes.
    private func write(_ events: [DeliverableEvent], to session: SocketSession, flushingAt threshold: Int) -> Int {
        var written = 0
        // Once per socket: one that fails a flush below is closed, and its cursor then
        // refuses the rest.
        let active = session.channel.isActive
        for event in events where session.cursor.liveEvent(event.id) == .write {
            guard active else {
                metrics.sendErrors.increment()
                continue
            }
            session.write(event)
            written += 1
            if session.unflushedBytes >= threshold { flushAndCheck(session) }
        }
        if written > 0 {
            tally.delivered += written
            flushAndCheck(session)
        }
        return written
    }

    /// Delivery latency, once per event (not per socket), when its group is written.
    private func recordLatency(of events: [DeliverableEvent], nowMs: UInt64) {
        for event in events {
            let latencyMs = nowMs > event.id.milliseconds ? nowMs - event.id.milliseconds : 0
            metrics.deliveryLatency.recordMilliseconds(Int64(latencyMs))
        }
    }

    /// Unflushed bytes that make a socket flush before its events of a chunk are all
    /// written: a quarter of `maxSocketBufferBytes` (which unflushed bytes count towards
    /// too), at most 64 KiB. What a socket holds unflushed is at most one chunk's events
    /// of its channel, so this only cuts a run of large events; 16 KiB cut a broadcast's
    /// 99 events of ~250 B in two `writev`s per socket.
    private var flushThresholdBytes: Int {
        let cap = settings.maxSocketBufferBytes
        return cap > 0 ? min(64 << 10, max(1, cap / 4)) : 64 << 10
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
