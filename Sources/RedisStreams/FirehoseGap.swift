import Events

/// Firehose entries that were removed (trimmed) before the reader read them.
///
/// The reader notices one from `XINFO STREAM`, sent in the same write as each `XREAD`
/// (see `FirehoseLedger`). Superset trims the firehose with `MAXLEN` on every `XADD` (`XTRIM` by hand does
/// the same), so this happens to a reader that lags by more than the firehose's length.
/// The reader then recovers the events from the channel streams of the sockets it serves
/// (Superset writes every event to `<prefix><channel>` too), and counts the gap.
public struct FirehoseGap: Sendable, Equatable {
    /// The reader's position: it had read every entry up to here.
    public var after: StreamID
    /// The newest id that was removed unread: the gap is `(after, through]`.
    public var through: StreamID
    /// Entries in the gap that were ever added (Redis 7's `entries-added` counts them);
    /// nil when the reader cannot know (it did not start at `$`, or an older Redis).
    public var removedEntries: Int64?
    /// Events recovered from the channel streams and delivered, in the gap's window.
    public var recovered: Int = 0
    /// Channel streams asked.
    public var channelsAsked: Int = 0

    public init(after: StreamID, through: StreamID, removedEntries: Int64? = nil) {
        self.after = after
        self.through = through
        self.removedEntries = removedEntries
    }

    /// The channel-stream range that holds the gap's events: whole milliseconds, since the
    /// two streams number entries within a millisecond each on its own.
    public var channelRange: (from: StreamID, to: StreamID) {
        (StreamID(milliseconds: after.milliseconds, sequence: 0), StreamID(milliseconds: through.milliseconds, sequence: .max))
    }

    /// The recovered channel-stream entries to deliver, oldest first, renumbered into the
    /// gap's window of firehose ids.
    ///
    /// - Those the reader delivered already are left out: their firehose copies share the
    ///   position's millisecond (`delivered` holds the entries delivered in it).
    /// - So are those whose firehose copy was read after the gap (`following`). Superset
    ///   writes an event to its channel stream first and to the firehose second; when a
    ///   trim falls between the two writes, the channel-stream copy is in the window
    ///   while its firehose copy survives, and only that one is delivered.
    /// - Entries are compared by their fields (the same event bytes, written twice;
    ///   `StreamField` is `Hashable`).
    /// - Their ids become `after`'s successors, in order: their firehose ids are gone, and
    ///   a client must receive ids that increase; a reconnect with one of them replays
    ///   from after it like any other.
    public static func merge(
        _ recovered: [StreamEntry], within gap: FirehoseGap, delivered: [StreamEntry], following: [StreamEntry]
    ) -> [StreamEntry] {
        var known: [[StreamField]: Int] = [:]
        for entry in delivered + following {
            known[entry.fields, default: 0] += 1
        }
        let (from, to) = gap.channelRange
        var result: [StreamEntry] = []
        result.reserveCapacity(recovered.count)
        var next = gap.after
        for entry in recovered where entry.id >= from && entry.id <= to {
            if let count = known[entry.fields], count > 0 {
                known[entry.fields] = count - 1
                continue
            }
            next = next.successor
            guard next <= gap.through else { break }
            result.append(StreamEntry(id: next, fields: entry.fields))
        }
        return result
    }
}

/// Tells, turn by turn, whether entries after the reader's position were removed before
/// it read them, and how many.
///
/// Redis does not report trims directly: `max-deleted-entry-id` moves only with `XDEL`.
/// What it does report (`XINFO STREAM`, Redis 7) is enough: `entries-added` minus
/// `length` is how many entries were removed, and a trim removes the oldest first, so
/// they are exactly the entries before the first one left. The ledger keeps how many
/// entries the reader has passed (`passed`); when more were removed than that, the
/// difference was removed unread, from the window between its position and the first
/// entry left.
///
/// `passed` is exact from the first turn at which the reader drained the stream (an
/// `XREAD` that returned everything there was); before that only the certain cases count:
/// a stream emptied past the position, or an `XDEL` ahead of it. Servers before Redis 7
/// report none of this: no gap is ever seen there.
struct FirehoseLedger {
    private(set) var passed: Int64?

    /// One turn of the reader: `info` was taken just before an `XREAD` after `after`
    /// (in the same write), which returned `read` entries (malformed ones included) of at
    /// most `limit`; nil info means the stream did not exist. Returns the gap this turn
    /// revealed, if any.
    mutating func turn(after: StreamID, info: StreamInfo?, read: Int, limit: Int) -> FirehoseGap? {
        // A firehose that does not exist yet (a fresh Redis) has had nothing added: from
        // here on the count is exact.
        let info = info ?? .absent
        let gap = Self.gap(after: after, info: info, passed: passed)
        if gap != nil, let removed = info.removedEntries {
            // Every entry up to the gap's end is gone: the reader has now passed them all.
            passed = removed
        }
        if let added = info.entriesAdded, info.lastGeneratedID <= after {
            // Caught up when the info was taken: whatever the read returned came after.
            passed = added + Int64(read)
        } else if let added = info.entriesAdded, read < limit {
            // The read took everything up to the last-generated id.
            passed = added
        } else if let known = passed {
            passed = known + Int64(read)
        }
        return gap
    }

    /// A turn whose read began while the entry at the reader's position was still in the
    /// stream: nothing after it had been removed, so the read's entries are the next ones.
    mutating func turnHeld(read: Int) {
        if let known = passed { passed = known + Int64(read) }
    }

    private static func gap(after: StreamID, info: StreamInfo, passed: Int64?) -> FirehoseGap? {
        guard let first = info.firstEntryID else {
            // Emptied: every entry up to the last-generated id is gone.
            guard info.lastGeneratedID > after else { return nil }
            var gap = FirehoseGap(after: after, through: info.lastGeneratedID)
            if let passed, let removed = info.removedEntries { gap.removedEntries = max(0, removed - passed) }
            return gap
        }
        // Nothing can be missing unless the first entry left is past the next id.
        guard first > after.successor else { return nil }
        var through = first.predecessor
        if let passed, let removed = info.removedEntries {
            guard removed > passed else { return nil }
            var gap = FirehoseGap(after: after, through: through)
            gap.removedEntries = removed - passed
            return gap
        }
        // Not known how many the reader passed: only an XDEL ahead of it is certain.
        guard let deleted = info.maxDeletedID, deleted > after else { return nil }
        through = min(through, deleted)
        return FirehoseGap(after: after, through: through)
    }
}

/// The entries the reader delivered in its position's millisecond: a gap's recovery
/// leaves them out (see `FirehoseGap.merge`). Bounded: a millisecond with more entries
/// than `capacity` keeps its newest.
struct DeliveredTail {
    static let capacity = 4_096
    private(set) var entries: [StreamEntry] = []

    mutating func delivered(_ batch: [StreamEntry]) {
        guard let last = batch.last?.id.milliseconds else { return }
        if entries.last.map({ $0.id.milliseconds != last }) ?? false { entries.removeAll(keepingCapacity: true) }
        entries += batch.lazy.filter { $0.id.milliseconds == last }
        if entries.count > Self.capacity { entries.removeFirst(entries.count - Self.capacity) }
    }
}
