import Events

/// What a replay from Redis found for one socket.
public struct ReplayBatch: Sendable {
    /// The channel's events after the socket's `last_id`, up to the requested position,
    /// oldest first.
    public var events: [EncodedEvent]
    /// True when the firehose no longer held `last_id` and the channel stream had to
    /// fill in: events between the two may be missing.
    public var possibleGap: Bool
    /// The firehose position the fetch covered (the requested `upTo`).
    public var upTo: StreamID
    /// Asked for a `last_id` beyond the worker's position: true when it is beyond the
    /// firehose's newest entry too, so it cannot be an id of this firehose (another
    /// Redis, a stream recreated, a master that lost writes in a failover).
    public var aheadOfFirehose: Bool

    public init(events: [EncodedEvent], possibleGap: Bool, upTo: StreamID, aheadOfFirehose: Bool = false) {
        self.events = events
        self.possibleGap = possibleGap
        self.upTo = upTo
        self.aheadOfFirehose = aheadOfFirehose
    }
}

/// Fetches what a socket missed when the in-memory history no longer reaches back to
/// its `last_id`, or tells whether a `last_id` beyond the worker's position exists in the
/// firehose at all (`after > upTo`). Implementations must not run on the event loop (they block on Redis)
/// and call `completion` exactly once, from any thread (a cancelled fetch completes with
/// a failure, which the closed socket ignores).
public protocol ReplaySource: Sendable {
    /// Returns the fetch's ticket: cancel it when the socket no longer wants the batch.
    @discardableResult
    func fetch(
        channelID: String,
        after lastID: StreamID,
        upTo position: StreamID,
        completion: @escaping @Sendable (Result<ReplayBatch, any Error>) -> Void
    ) -> ReplayTicket
}
