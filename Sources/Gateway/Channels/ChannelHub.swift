import Config
import Events
import Foundation
import Logging
import ServiceMetrics
import NIOCore

/// The heart of a worker: its channel registry, its replay history and the routing of
/// firehose events to sockets. Confined to the worker's single event loop, so the hot
/// path takes no locks; other threads reach it only through `eventLoop.execute`.
final class ChannelHub {
    struct Settings {
        var maxTotalConnections = 0
        var maxConnectionsPerChannel = 0
        var eventYieldBatchSize = 100
        /// A turn of `dispatch` also ends once it made this many socket writes:
        /// `eventYieldBatchSize` counts events, and one event of a large channel goes to
        /// thousands of sockets, which would hold the loop (pings, handshakes, the
        /// heartbeat) for the whole fan-out.
        var writeYieldBudget = 10_000
        var pingInterval: TimeAmount = .seconds(20)
        var responseTimeout: TimeAmount = .seconds(60)
        var gcInterval: TimeAmount = .seconds(120)
        /// How long a closing socket may take to answer our close frame.
        var closeGrace: TimeAmount = .seconds(2)
        var historyMaxEvents = 20_000
        var historyMaxBytes = 16 << 20
        var maxSocketBufferBytes = ServiceConfig.defaultMaxSocketBufferBytes
    }

    enum OpenResult: Equatable {
        case opened
        case overTotalCap
        case overChannelCap
    }

    let eventLoop: any EventLoop
    let settings: Settings
    let replaySource: any ReplaySource
    let logger: Logger
    let allocator = ByteBufferAllocator()

    private(set) var registry = ChannelRegistry()
    private(set) var history: ReplayHistory
    /// The id of the last firehose entry dispatched here; nil until the reader has
    /// resolved `$` and warmed the history. Replays reach up to it; live events follow it.
    private(set) var position: StreamID?
    private var waitingForPosition: [SocketSession] = []
    private var touched: [SocketSession] = []
    /// The worker's metrics backend (read by heartbeats) and the hub's metrics in it.
    let metricsBackend: WorkerMetrics
    let metrics: HubMetrics
    /// Hot-path tallies, recorded into `metrics` once per dispatch chunk.
    private var tallyRead = 0
    private var tallyDelivered = 0
    private var tallyReplayed = 0
    private var timers: [RepeatedTask] = []
    /// Which sockets each step of the staggered liveness sweep pings.
    private var sweep: LivenessSweep
    /// Every TCP connection of this worker, upgraded or not: drained on shutdown.
    private var connections: [ObjectIdentifier: any Channel] = [:]
    private var drainWaiters: [EventLoopPromise<Void>] = []
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

    private var bound: NIOLoopBound<ChannelHub> { NIOLoopBound(self, eventLoop: eventLoop) }

    // MARK: - Timers

    /// Starts the liveness (ping) and channel GC timers.
    func startTimers() {
        let hub = bound
        let step = LivenessSweep.stepDelay(for: settings.pingInterval)
        timers.append(eventLoop.scheduleRepeatedTask(initialDelay: step, delay: step) { _ in
            hub.value.checkSocketsStep()
        })
        timers.append(eventLoop.scheduleRepeatedTask(initialDelay: settings.gcInterval, delay: settings.gcInterval) { _ in
            hub.value.collectEmptyChannels()
        })
    }

    func stopTimers() {
        timers.forEach { $0.cancel() }
        timers.removeAll()
    }

    // MARK: - Connections

    var connectionCount: Int { connections.count }

    func connectionOpened(_ channel: any Channel) {
        connections[ObjectIdentifier(channel)] = channel
    }

    func connectionClosed(_ channel: any Channel) {
        connections[ObjectIdentifier(channel)] = nil
        if connections.isEmpty {
            drainWaiters.forEach { $0.succeed() }
            drainWaiters.removeAll()
        }
    }

    /// Completes when every connection has closed.
    func allConnectionsClosed() -> EventLoopFuture<Void> {
        if connections.isEmpty { return eventLoop.makeSucceededVoidFuture() }
        let promise = eventLoop.makePromise(of: Void.self)
        drainWaiters.append(promise)
        return promise.futureResult
    }

    /// Closes whatever is still open (the drain deadline passed).
    func closeAllConnections() {
        for channel in connections.values { channel.close(promise: nil) }
    }

    // MARK: - Sockets

    /// Registers a socket that just completed its upgrade, unless a connection cap is
    /// reached (the caller then closes it with 1013). With a `last_id`, the socket first
    /// gets what it missed, then live events; without, live events only.
    func open(_ session: SocketSession, lastID: StreamID?) -> OpenResult {
        if settings.maxTotalConnections > 0, registry.socketCount >= settings.maxTotalConnections {
            return reject(session, .overTotalCap)
        }
        if settings.maxConnectionsPerChannel > 0, registry.count(in: session.channelID) >= settings.maxConnectionsPerChannel {
            return reject(session, .overChannelCap)
        }
        registry.add(session)
        sweep.add(session)
        metrics.connectedClients.increment()
        session.cursor = ReplayCursor(lastID: lastID)
        guard lastID != nil else { return .opened }
        if position == nil {
            waitingForPosition.append(session)
        } else {
            pump(session)
        }
        return .opened
    }

    /// A refused socket writes nothing more; its handler closes it with 1013.
    private func reject(_ session: SocketSession, _ result: OpenResult) -> OpenResult {
        metrics.connectionsRejected.increment()
        session.cursor.close()
        return result
    }

    /// Sends a close frame and stops writing to the socket; the connection is closed when
    /// the client answers, or after `closeGrace`.
    func close(_ session: SocketSession, code: ServerFrame.CloseCode) {
        guard session.isOpen else { return }
        forget(session)
        session.cursor.close()
        let channel = session.channel
        channel.writeAndFlush(ServerFrame.close(code, allocator: allocator), promise: nil)
        eventLoop.scheduleTask(in: settings.closeGrace) { channel.close(promise: nil) }
    }

    private func forget(_ session: SocketSession) {
        registry.remove(session)
        sweep.remove(session)
    }

    /// Drops a socket at once, without a close frame (upstream's `terminate`).
    func terminate(_ session: SocketSession) {
        forget(session)
        session.cursor.close()
        session.channel.close(promise: nil)
    }

    /// The connection is gone: forget the socket.
    func closed(_ session: SocketSession) {
        forget(session)
        session.cursor.close()
        waitingForPosition.removeAll { $0 === session }
    }

    func pong(_ session: SocketSession, payload: ByteBuffer) {
        if payload.readableBytesView.elementsEqual(session.idBytes) {
            session.lastSeen = .now()
        }
    }

    /// The socket's send buffer crossed a watermark: a replaying socket whose client has
    /// read resumes its catch-up. (Slow consumers are judged after flushes, see
    /// `flushAndCheck`, because NIO counts bytes not yet flushed as well.)
    func writabilityChanged(_ session: SocketSession) {
        if session.channel.isWritable {
            pump(session)
        }
    }

    /// Flushes a live socket, then applies `maxSocketBufferBytes` to what the kernel did
    /// not take: that is upstream's `bufferedAmount`.
    private func flushAndCheck(_ session: SocketSession) {
        session.flushIfNeeded()
        if settings.maxSocketBufferBytes > 0, session.cursor.phase == .live, !session.channel.isWritable {
            overflowed(session)
        }
    }

    /// The socket's unsent bytes passed `maxSocketBufferBytes`: close it with 1013.
    /// Its reconnect with `last_id` replays what it did not get.
    func overflowed(_ session: SocketSession) {
        guard session.isOpen else { return }
        metrics.backpressureDisconnects.increment()
        logger.warning("closing slow client: send buffer over maxSocketBufferBytes", metadata: ["socket": "\(session.id)"])
        close(session, code: .tryAgainLater)
    }

    /// One step of the staggered liveness sweep: the sockets of this step's bucket.
    func checkSocketsStep() {
        checkSockets(sweep.nextStepSockets())
    }

    /// Upstream's `checkSockets`: forget closed sockets, terminate those silent for
    /// `socketResponseTimeoutMs`, ping the others with their id as payload.
    func checkSockets() {
        checkSockets(sweep.allSockets)
    }

    private func checkSockets(_ sessions: [SocketSession]) {
        let now = NIODeadline.now()
        for session in sessions {
            let verdict = LivenessSweep.verdict(
                isActive: session.channel.isActive, lastSeen: session.lastSeen, now: now, responseTimeout: settings.responseTimeout)
            switch verdict {
            case .forget:
                closed(session)
            case .terminate:
                logger.debug("terminating unresponsive socket", metadata: ["socket": "\(session.id)"])
                terminate(session)
            case .ping:
                session.channel.writeAndFlush(ServerFrame.ping(session.idBytes, allocator: allocator), promise: nil)
            }
        }
    }

    func collectEmptyChannels() {
        let removed = registry.collectEmptyChannels()
        if removed > 0 { logger.debug("removed empty channels", metadata: ["count": "\(removed)"]) }
    }

    /// Sends close 1001 to every socket (shutdown or reload).
    func goAway() {
        for session in registry.allSessions { close(session, code: .goingAway) }
        for session in waitingForPosition { close(session, code: .goingAway) }
    }

    // MARK: - Firehose

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
            if tallyDelivered >= settings.writeYieldBudget { break }
        }
        flushTouched()
        recordTallies()
        if end < batch.count {
            let hub = bound
            eventLoop.execute { hub.value.dispatch(batch, from: end, done: done, onTurn: onTurn) }
        } else {
            done?.succeed()
        }
    }

    private func deliver(_ event: DeliverableEvent, nowMs: UInt64) {
        if let position, event.id <= position { return }
        position = event.id
        history.append(event)
        tallyRead += 1
        guard let sockets = registry.channels[event.channelID] else { return }
        let deliveredBefore = tallyDelivered
        defer {
            if tallyDelivered > deliveredBefore {
                let latencyMs = nowMs > event.id.milliseconds ? nowMs - event.id.milliseconds : 0
                metrics.deliveryLatency.recordMilliseconds(Int64(latencyMs))
            }
        }
        for session in sockets where session.cursor.liveEvent(event.id) == .write {
            guard session.channel.isActive else {
                metrics.sendErrors.increment()
                continue
            }
            session.write(event)
            tallyDelivered += 1
            touched.append(session)
        }
    }

    private func recordTallies() {
        if tallyRead > 0 { metrics.eventsRead.increment(by: tallyRead) }
        if tallyDelivered > 0 { metrics.eventsDelivered.increment(by: tallyDelivered) }
        if tallyReplayed > 0 { metrics.eventsReplayed.increment(by: tallyReplayed) }
        tallyRead = 0
        tallyDelivered = 0
        tallyReplayed = 0
    }

    private func flushTouched() {
        for session in touched { flushAndCheck(session) }
        touched.removeAll(keepingCapacity: true)
    }

    // MARK: - Replay

    // The hub carries out what a replaying socket's `ReplayCursor` asks for.

    private func fetch(_ session: SocketSession, after lastID: StreamID, upTo position: StreamID) {
        let target = NIOLoopBound((self, session), eventLoop: eventLoop)
        let loop = eventLoop
        replaySource.fetch(channelID: session.channelID, after: lastID, upTo: position) { result in
            loop.execute {
                let (hub, session) = target.value
                hub.finishFetch(session, result)
            }
        }
    }

    private func finishFetch(_ session: SocketSession, _ result: Result<ReplayBatch, any Error>) {
        let outcome: ReplayCursor.FetchOutcome
        switch result {
        case .success(let batch): outcome = session.cursor.fetched(batch, allocator: allocator)
        case .failure: outcome = session.cursor.fetchFailed()
        }
        switch outcome {
        case .ignored:
            break
        case .resume(let firstGap):
            if firstGap {
                metrics.replayGaps.increment()
                logger.warning(
                    "last_id is older than the firehose holds; replayed from the channel stream, events may be missing",
                    metadata: ["socket": "\(session.id)", "last_id": "\(session.cursor.lastSentID.map { "\($0)" } ?? "-")"])
            }
            pump(session)
        case .closeAndRetry:
            if case .failure(let error) = result {
                logger.warning("replay failed; closing so the client retries", metadata: ["socket": "\(session.id)", "error": "\(error)"])
            }
            close(session, code: .tryAgainLater)
        }
    }

    /// Moves a replaying socket's cursor while its send buffer has room. Resumed by
    /// `writabilityChanged` when the client has read.
    private func pump(_ session: SocketSession) {
        defer {
            session.flushIfNeeded()
            recordTallies()
        }
        while true {
            switch session.cursor.next(position: position, historyFloor: history.floor, writable: session.channel.isWritable) {
            case .wait:
                return
            case .write(let event):
                session.write(event)
                tallyReplayed += 1
            case .fetch(let after, let upTo):
                return fetch(session, after: after, upTo: upTo)
            case .replayHistory(let after):
                for event in history.events(for: session.channelID, after: after) {
                    guard session.channel.isWritable else { return }
                    if session.send(event) { tallyReplayed += 1 }
                }
                return session.cursor.historyWritten(writable: session.channel.isWritable)
            }
        }
    }
}
