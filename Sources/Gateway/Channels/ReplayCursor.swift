import DequeModule
import Events
import NIOCore

/// Where one socket stands between its `last_id` and the live stream, as a value.
///
/// Every change is a transition: it takes an input (the socket may write, a live event,
/// a fetched batch, a failed fetch, the socket closed) and returns what the hub must do.
/// It performs no I/O, so each transition is tested without sockets (`ReplayCursorTests`);
/// the hub only carries the actions out (`ChannelHub+Replay`).
///
/// A replaying socket moves through what it missed: first events fetched from Redis when
/// the history does not reach back far enough, then the history itself, which keeps
/// receiving live events meanwhile. It goes live when it reaches the head with room left
/// in its send buffer. Nothing is queued per socket beyond one fetched batch, so a long
/// replay costs no memory per event and cannot trip the slow-consumer cap.
struct ReplayCursor {
    enum Phase: Equatable {
        /// Catching up from `lastSentID` as fast as the socket takes the events, never past
        /// its send buffer: a replay never arrives after newer events.
        case replaying
        /// Every new event of the channel is written as it comes.
        case live
        /// A close frame was sent or the connection is gone: nothing more is written.
        case closed
    }

    /// What the hub does next for a replaying socket (see `next`).
    enum Step {
        /// Nothing for now: not replaying, a fetch is under way, the firehose position is
        /// not known yet, or the send buffer is full (writability resumes it).
        case wait
        /// Write this fetched event (the cursor has moved past it), then ask again.
        case write(DeliverableEvent)
        /// Fetch the channel's events in `(after, upTo]` from Redis; `fetched` or
        /// `fetchFailed` follows.
        case fetch(after: StreamID, upTo: StreamID)
        /// Write the history's events of the channel after this id (each through
        /// `advance`) while the socket takes them, then report `historyWritten`.
        case replayHistory(after: StreamID)
    }

    /// What a live event of the socket's channel means for it.
    enum LiveAction: Equatable {
        /// Write it (the cursor has moved past it).
        case write
        /// The socket already has it.
        case skip
        /// Replaying: the event is in the history, where the cursor will reach it.
        case hold
        /// Closed: nothing is written.
        case drop
    }

    /// What a completed fetch means for the socket.
    enum FetchOutcome: Equatable {
        /// Stale: the socket closed (or was never waiting) meanwhile.
        case ignored
        /// Resume the replay with `next`. `firstGap`: the batch reports a possible gap
        /// and it is the first of this socket's batches to do so (counted and logged once).
        case resume(firstGap: Bool)
        /// The fetch failed: close with 1013 so that the client retries.
        case closeAndRetry
        /// The socket's `last_id` is newer than anything in the firehose: it cannot be one
        /// of its ids. The cursor now stands at the position: nothing to replay, every
        /// event from there on is sent (else the socket would wait for an id that never
        /// comes, and receive nothing, ever).
        case resumeFromPosition
    }

    private(set) var phase: Phase
    /// The newest event id this socket has received (or its `last_id`): anything not
    /// newer is never sent again. This is what makes replay and live meet exactly.
    private(set) var lastSentID: StreamID?
    /// Events fetched from Redis, not yet written, oldest first.
    private var fetched: Deque<DeliverableEvent> = []
    /// The firehose position the last fetch reached: once `fetched` is written, the
    /// socket has everything of its channel up to here.
    private var fetchedUpTo: StreamID?
    /// A fetch from Redis is under way.
    private(set) var awaitingFetch = false
    /// A possible replay gap was reported already: once per socket.
    private var gapReported = false
    /// A `last_id` beyond the position was checked against the firehose already.
    private var aheadChecked = false

    /// Without a `last_id` the socket is live at once; with one, it first replays.
    init(lastID: StreamID?) {
        phase = lastID == nil ? .live : .replaying
        lastSentID = lastID
    }

    var isOpen: Bool { phase != .closed }

    /// Moves past `id` unless the socket already has it; returns whether to write it.
    mutating func advance(to id: StreamID) -> Bool {
        if let lastSentID, id <= lastSentID { return false }
        lastSentID = id
        return true
    }

    /// Input: a live event of the socket's channel was dispatched.
    mutating func liveEvent(_ id: StreamID) -> LiveAction {
        switch phase {
        case .live: advance(to: id) ? .write : .skip
        case .replaying: .hold
        case .closed: .drop
        }
    }

    /// Input: the socket may write (opened, position known, became writable, a fetch
    /// completed, or an event was just written). Returns the replay's next step.
    /// - Parameters:
    ///   - position: the hub's firehose position; nil until the reader resolved it.
    ///   - historyFloor: the history holds every entry after this id.
    ///   - writable: the socket's send buffer has room.
    mutating func next(position: StreamID?, historyFloor: StreamID, writable: Bool) -> Step {
        guard phase == .replaying, !awaitingFetch, let position, writable else { return .wait }
        // 1. What was fetched from Redis.
        while let event = fetched.popFirst() {
            if advance(to: event.id) { return .write(event) }
        }
        // Anything up to the fetched batch's end that the channel does not have is done.
        if let upTo = fetchedUpTo {
            fetchedUpTo = nil
            if upTo > (lastSentID ?? .zero) { lastSentID = upTo }
        }
        // 2. A last_id beyond the position: ask Redis once whether the firehose has it.
        if let last = lastSentID, last > position, !aheadChecked {
            aheadChecked = true
            awaitingFetch = true
            return .fetch(after: last, upTo: position)
        }
        // 3. The history, when it still holds everything after the cursor; else Redis.
        let cursor = lastSentID ?? position
        guard cursor >= historyFloor || cursor >= position else {
            awaitingFetch = true
            return .fetch(after: cursor, upTo: position)
        }
        return .replayHistory(after: cursor)
    }

    /// Input: the history's events were written, as far as the socket took them. At the
    /// head with room to spare, the socket is live from now on.
    mutating func historyWritten(writable: Bool) {
        if phase == .replaying, writable { phase = .live }
    }

    /// Input: the fetch under way returned a batch.
    mutating func fetched(_ batch: ReplayBatch, allocator: ByteBufferAllocator) -> FetchOutcome {
        guard phase == .replaying, awaitingFetch else { return .ignored }
        awaitingFetch = false
        if batch.aheadOfFirehose {
            lastSentID = batch.upTo
            return .resumeFromPosition
        }
        fetched.append(contentsOf: batch.events.lazy.map { DeliverableEvent($0, allocator: allocator) })
        fetchedUpTo = batch.upTo
        // A long replay may take several fetches: the gap is one per socket.
        let firstGap = batch.possibleGap && !gapReported
        if firstGap { gapReported = true }
        return .resume(firstGap: firstGap)
    }

    /// Input: the fetch under way failed.
    mutating func fetchFailed() -> FetchOutcome {
        guard phase == .replaying, awaitingFetch else { return .ignored }
        awaitingFetch = false
        return .closeAndRetry
    }

    /// Input: the socket is closing or gone. Drops the replay state; a fetch still under
    /// way is then ignored when it completes.
    mutating func close() {
        phase = .closed
        fetched.removeAll()
        fetchedUpTo = nil
        awaitingFetch = false
    }
}
