import Atomics
import Events
import Foundation
import Logging
import MonotonicTime

/// Reads the firehose stream on a dedicated thread and hands each batch to `deliver`.
///
/// The loop: `XREAD COUNT count BLOCK blockMs STREAMS stream <last delivered id>`; each
/// non-empty batch goes to `deliver`, which may block (that is the caller's flow
/// control: it returns once the event loop took the batch); only then does the last
/// delivered id move to the batch's last id. So across any Redis failure the reader
/// resumes exactly after what was delivered: nothing skipped, nothing repeated.
///
/// On failure it closes the connection, backs off (50 ms doubling to 5 s, jittered),
/// reconnects and checks the stream's last-generated-id: if it is behind the last
/// delivered id, Redis lost its data or was replaced, and reading restarts from `0-0`
/// with a warning. Health changes are logged once each (connected, failing, recovered),
/// with the server read from.
///
/// Under Sentinel every reconnect finds the current master, and the XREAD BLOCK is capped
/// to the connection's master-check interval (see `RedisSentinelSettings`) and the back-off
/// to 1 s, so that the reader follows a failover within about a second of the Sentinels.
///
/// Started at `.newest`, the reader first resolves `$` on its own connection (see
/// `FirehoseOrigin`), retrying with the same back-off until Redis answers or it is stopped:
/// its state stays `connecting` meanwhile and the failure is logged once, since the worker
/// serves `/health` without Redis. `resolved` gets the origin before the first `deliver`.
///
/// Trimmed under it: each `XREAD` goes in one write with a trim check. That is a probe
/// (`XRANGE` of the position's own entry) while the position is an entry it read: as long
/// as that entry is there, nothing after it was trimmed. Otherwise, or when the probe
/// finds it gone, an `XINFO STREAM` that counts what was removed, and the read again (see
/// `FirehoseGap`). (`XINFO` alone on every turn would carry the stream's first entry each
/// time: a producer's 10 MB entry at the head would cost 10 MB per read.) When entries
/// after the position were removed before it read them, it
/// takes the events in that window from the channel streams that `gapStreams` names (the
/// worker's sockets' channels), delivers them first, tells the observer (`.trimmed`),
/// logs the gap with its count, and reads on after it.
///
/// Thread-safe observability (atomics) for the worker's heartbeat: `state`,
/// `lastProgress`, `lastDeliveredID`, `eventsRead`, `errors`.
public final class FirehoseReader: ThreadLifecycle {
    public let endpoint: RedisEndpoint
    public let stream: String
    public let count: Int
    public let blockMs: Int

    private let startPoint: FirehoseStart
    private let responseTimeoutMs: Int
    private let logger: Logger
    private let deliver: @Sendable ([StreamEntry]) -> Void
    private let resolved: (@Sendable (FirehoseOrigin) -> Void)?
    private let observer: (@Sendable (FirehoseEvent) -> Void)?
    private let gapStreams: (@Sendable () -> [String])?

    private let thread = ServiceThreads(name: "redis-firehose")
    private var interrupter: RedisInterrupter { thread.interrupter }
    private let stateValue = ManagedAtomic<FirehoseState>(.connecting)
    private let progress = ManagedAtomic<UInt64>(0)
    private let delivered: AtomicStreamID
    private let eventCount = ManagedAtomic<Int>(0)
    private let errorCount = ManagedAtomic<Int>(0)
    private let skippedCount = ManagedAtomic<Int>(0)
    private let resetCount = ManagedAtomic<Int>(0)
    private let gapCount = ManagedAtomic<Int>(0)
    private let recoveredCount = ManagedAtomic<Int>(0)
    /// Channel-stream keys fetched in one pipeline while filling a gap.
    private static let gapPipelineWidth = 256

    /// - Parameters:
    ///   - startAfter: the id to read after; resolve `$` with `lastGeneratedID(stream:)` first.
    ///   - count: XREAD COUNT.
    ///   - blockMs: XREAD BLOCK, > 0. `stop()` does not wait for it.
    ///   - responseTimeoutMs: how much longer than `blockMs` a reply may take before the
    ///     server is considered dead; also bounds every other command.
    ///   - deliver: called on the reader thread with each non-empty batch, in stream order.
    ///     May block; the next XREAD waits for it.
    ///   - observer: called on the reader thread on each state change and stream reset.
    ///     Must not block.
    public convenience init(
        endpoint: RedisEndpoint,
        stream: String,
        startAfter: StreamID,
        count: Int = 100,
        blockMs: Int = 5_000,
        responseTimeoutMs: Int = 5_000,
        logger: Logger,
        observer: (@Sendable (FirehoseEvent) -> Void)? = nil,
        gapStreams: (@Sendable () -> [String])? = nil,
        deliver: @escaping @Sendable ([StreamEntry]) -> Void
    ) {
        self.init(
            endpoint: endpoint, stream: stream, start: .after(startAfter), count: count, blockMs: blockMs,
            responseTimeoutMs: responseTimeoutMs, logger: logger, observer: observer, resolved: nil,
            gapStreams: gapStreams, deliver: deliver)
    }

    /// - Parameters:
    ///   - start: after a known id, or `.newest` (resolve `$` first).
    ///   - resolved: with `.newest`, called once on the reader thread with the origin,
    ///     before the first `deliver`.
    ///   - gapStreams: called on the reader thread when the firehose was trimmed past the
    ///     reader: the channel streams to recover the gap's events from. May block briefly.
    public init(
        endpoint: RedisEndpoint,
        stream: String,
        start: FirehoseStart,
        count: Int = 100,
        blockMs: Int = 5_000,
        responseTimeoutMs: Int = 5_000,
        logger: Logger,
        observer: (@Sendable (FirehoseEvent) -> Void)? = nil,
        resolved: (@Sendable (FirehoseOrigin) -> Void)?,
        gapStreams: (@Sendable () -> [String])? = nil,
        deliver: @escaping @Sendable ([StreamEntry]) -> Void
    ) {
        precondition(count > 0, "XREAD COUNT must be positive")
        precondition(blockMs > 0, "XREAD BLOCK must be positive: 0 would block forever")
        self.endpoint = endpoint
        self.stream = stream
        self.startPoint = start
        self.count = count
        self.blockMs = blockMs
        self.responseTimeoutMs = responseTimeoutMs
        self.logger = logger
        self.observer = observer
        self.resolved = resolved
        self.gapStreams = gapStreams
        self.deliver = deliver
        if case .after(let id) = start {
            self.delivered = AtomicStreamID(id)
        } else {
            self.delivered = AtomicStreamID(.zero)
        }
    }

    // MARK: - Observability (any thread)

    public var state: FirehoseState { stateValue.load(ordering: .relaxed) }

    /// `CLOCK_MONOTONIC` nanoseconds (`MonotonicClock`) when the loop last completed a
    /// turn: an XREAD (with or without entries), or a failed attempt while Redis is down.
    /// A stale value means the reader is stuck (in `deliver`, or in a call that should
    /// have timed out), not that Redis is down: `state` says that. 0 before the first turn.
    public var lastProgress: UInt64 { progress.load(ordering: .relaxed) }

    /// The id after which the next XREAD reads: the last entry handed to `deliver`
    /// (or the start, or `0-0` after a stream reset; `0-0` until `$` is resolved).
    public var lastDeliveredID: StreamID { delivered.load() }

    /// Entries handed to `deliver`.
    public var eventsRead: Int { eventCount.load(ordering: .relaxed) }

    /// Failed attempts (connect, handshake or read).
    public var errors: Int { errorCount.load(ordering: .relaxed) }

    /// Malformed entries that were skipped (and logged).
    public var entriesSkipped: Int { skippedCount.load(ordering: .relaxed) }

    /// Times the stream was found behind the last delivered id and reading restarted at 0-0.
    public var streamResets: Int { resetCount.load(ordering: .relaxed) }

    /// Times entries were trimmed from the firehose before the reader read them.
    public var trimGaps: Int { gapCount.load(ordering: .relaxed) }

    /// Events recovered from channel streams after such trims.
    public var eventsRecovered: Int { recoveredCount.load(ordering: .relaxed) }

    // MARK: - Lifecycle

    /// Starts the reader thread. Call once.
    public func start() {
        thread.start { [self] _ in run() }
    }

    /// Ends the loop: a blocked XREAD, connect or back-off pause returns at once (every
    /// wait of the reader thread also polls a `RedisInterrupter`, and the reader thread
    /// then closes its own socket: closing it from here would race with descriptor reuse).
    /// A `deliver` in progress is not interrupted. Idempotent; does not wait (see `join`).
    /// The thread keeps the reader alive until it ends, so a reader must be stopped.
    public func stop() {
        thread.stop()
    }

    /// Waits for the reader thread to end. Returns false if `timeoutMs` passed first.
    /// Returns at once when the reader was never started.
    @discardableResult
    public func join(timeoutMs: Int? = nil) -> Bool {
        thread.join(timeoutMs: timeoutMs)
    }

    // MARK: - The loop (reader thread)

    private func run() {
        let connection = RedisConnection(
            endpoint: endpoint, responseTimeoutMs: responseTimeoutMs,
            interrupter: interrupter, logger: logger
        )
        var health = ConnectionHealth()
        // Under Sentinel a failover takes seconds: retry at least every second to follow it.
        var backoff = endpoint.sentinel == nil ? Backoff() : Backoff(maximumMs: 1_000)
        defer {
            connection.close()
            _ = health.stopped()
            setState(.stopped)
            logger.debug("Firehose reader stopped", metadata: metadata(lastDeliveredID))
        }
        let after: StreamID
        switch startPoint {
        case .after(let id):
            after = id
        case .newest(let warmCount):
            guard let origin = resolveNewest(warmCount: warmCount, on: connection, backoff: &backoff) else { return }
            after = origin.position
            delivered.store(after)
            resolved?(origin)
            report(health.connectionSucceeded(), after: after, server: connection.server)
        }
        read(after: after, on: connection, health: &health, backoff: &backoff)
    }

    /// `$` resolved on the reader's own connection, which the reads then go on using.
    /// Retried with back-off until Redis answers; nil when stopped first.
    private func resolveNewest(warmCount: Int, on connection: RedisConnection, backoff: inout Backoff) -> FirehoseOrigin? {
        var failed = false
        while !interrupter.isInterrupted {
            do {
                try connection.connect()
                let origin = try FirehoseOrigin.resolve(stream: stream, warmCount: warmCount, on: connection)
                if failed { logger.notice("reached Redis", metadata: ["endpoint": "\(endpoint)"]) }
                logger.info("firehose resolved", metadata: ["stream": "\(stream)", "position": "\(origin.position)", "warm": "\(origin.warm.count)"])
                backoff.reset()
                return origin
            } catch {
                connection.close()
                if interrupter.isInterrupted { return nil }
                if !failed {
                    failed = true
                    logger.error("cannot reach Redis; serving /health and retrying", metadata: ["error": "\(error)"])
                }
                if interrupter.wait(milliseconds: backoff.nextDelayMs()) { return nil }
            }
        }
        return nil
    }

    private func read(after start: StreamID, on connection: RedisConnection, health: inout ConnectionHealth, backoff: inout Backoff) {
        var after = start
        var ledger = FirehoseLedger()
        var tail = DeliveredTail()
        /// Whether `after` is an entry the reader read (so a probe of it tells whether the
        /// stream was trimmed past it); not at the start, after a gap or a reconnect.
        var probing = false
        // Under Sentinel a blocked XREAD must come back often enough for the connection
        // to confirm its server is still the master (a demoted master stays readable).
        let block = endpoint.sentinel.map { min(blockMs, max(1, $0.masterCheckIntervalMs)) } ?? blockMs
        logger.debug("Firehose reader starting", metadata: metadata(after))

        while !interrupter.isInterrupted {
            do {
                if !connection.isConnected {
                    try connection.connect()
                    after = try resumePoint(after, on: connection)
                    probing = false
                    report(health.connectionSucceeded(), after: after, server: connection.server)
                }
                // The trim check: while the entry at the position is known to exist, a probe
                // of it; else (or when the probe misses) XINFO STREAM, and the read again.
                var checked: (held: Bool, batch: StreamBatch)?
                if probing {
                    checked = try connection.probeAndRead(stream: stream, after: after, count: count, blockMs: block)
                    if checked?.held == false { probing = false }
                }
                let batch: StreamBatch
                if let checked, checked.held {
                    batch = checked.batch
                    ledger.turnHeld(read: batch.entries.count + batch.skipped.count)
                } else {
                    let (info, read) = try connection.infoAndRead(stream: stream, after: after, count: count, blockMs: block)
                    batch = read
                    if var gap = ledger.turn(after: after, info: info, read: batch.entries.count + batch.skipped.count, limit: count) {
                        try fill(&gap, following: batch.entries, tail: tail, on: connection)
                        after = gap.through
                        delivered.store(after)
                    }
                }
                markProgress()
                backoff.reset()
                if !batch.entries.isEmpty {
                    deliver(batch.entries)
                    tail.delivered(batch.entries)
                    eventCount.wrappingIncrement(by: batch.entries.count, ordering: .relaxed)
                }
                if !batch.skipped.isEmpty {
                    skippedCount.wrappingIncrement(by: batch.skipped.count, ordering: .relaxed)
                }
                if let last = batch.lastID {
                    after = last
                    delivered.store(last)
                    // An entry just read: the next turn can probe it.
                    probing = true
                }
            } catch {
                connection.close()
                if interrupter.isInterrupted { break }
                errorCount.wrappingIncrement(ordering: .relaxed)
                report(health.attemptFailed(), error: error, after: after)
                markProgress()
                if interrupter.wait(milliseconds: backoff.nextDelayMs()) { break }
            }
        }
    }

    /// Delivers what the channel streams still hold of a gap's events, then reports it.
    private func fill(_ gap: inout FirehoseGap, following: [StreamEntry], tail: DeliveredTail, on connection: RedisConnection) throws(RedisError) {
        let streams = gapStreams?() ?? []
        var recovered: [StreamEntry] = []
        var start = 0
        while start < streams.count {
            let keys = streams[start..<min(streams.count, start + Self.gapPipelineWidth)]
            start += keys.count
            let replies = try connection.pipeline(keys.map {
                StreamCommand.xrange(stream: $0, from: gap.channelRange.from, to: gap.channelRange.to, count: nil)
            })
            for (key, reply) in zip(keys, replies) {
                if case .error(let message) = reply {
                    logger.warning("cannot read a channel stream to fill a firehose gap", metadata: ["stream": "\(key)", "error": "\(message)"])
                    continue
                }
                recovered += try StreamReplyParser.range(reply).entries
            }
        }
        // Oldest first across channels; each channel stream's own order is kept (its ids are unique).
        recovered.sort { $0.id < $1.id }
        let events = FirehoseGap.merge(recovered, within: gap, delivered: tail.entries, following: following)
        gap.recovered = events.count
        gap.channelsAsked = streams.count
        if !events.isEmpty { deliver(events) }
        gapCount.wrappingIncrement(ordering: .relaxed)
        recoveredCount.wrappingIncrement(by: events.count, ordering: .relaxed)
        var fields = metadata(gap.after)
        fields["through"] = "\(gap.through)"
        fields["removed_unread"] = "\(gap.removedEntries.map { "\($0)" } ?? "unknown")"
        fields["recovered"] = "\(events.count)"
        fields["channels"] = "\(streams.count)"
        logger.warning("the firehose was trimmed past this reader; recovered its sockets' events from their channel streams", metadata: fields)
        observer?(.trimmed(gap))
    }

    /// After a (re)connect: where to read from. `after` unless the stream is now behind it.
    private func resumePoint(_ after: StreamID, on connection: RedisConnection) throws(RedisError) -> StreamID {
        let generated = try connection.lastGeneratedID(stream: stream)
        guard after > generated else { return after }
        logger.warning(
            "Redis stream is behind the last delivered entry (last-generated-id \(generated) < \(after)): Redis lost its data or was replaced; reading again from 0-0",
            metadata: metadata(after)
        )
        resetCount.wrappingIncrement(ordering: .relaxed)
        delivered.store(.zero)
        observer?(.streamReset(lastDelivered: after, lastGenerated: generated))
        return .zero
    }

    private func report(_ change: ConnectionHealth.Change, error: RedisError? = nil, after: StreamID, server: String? = nil) {
        var fields = metadata(after)
        if let server { fields["server"] = "\(server)" }
        switch change {
        case .none:
            if let error {
                logger.debug("Redis still failing: \(error)", metadata: fields)
            }
        case .connected:
            logger.info("Reading Redis stream", metadata: fields)
            setState(.connected)
        case .recovered(let failures):
            logger.notice("Redis reachable again after \(failures) failed attempt(s); resuming", metadata: fields)
            setState(.connected)
        case .failing:
            logger.error("Redis stream reader failing, retrying with back-off: \(error.map { "\($0)" } ?? "unknown error")", metadata: fields)
            setState(.failing)
        }
    }

    private func setState(_ newState: FirehoseState) {
        let old = stateValue.exchange(newState, ordering: .relaxed)
        if old != newState {
            observer?(.stateChanged(newState))
        }
    }

    private func markProgress() {
        progress.store(MonotonicClock.nanoseconds(), ordering: .relaxed)
    }

    private func metadata(_ after: StreamID) -> Logger.Metadata {
        ["redis": "\(endpoint)", "stream": "\(stream)", "after": "\(after)"]
    }
}
