import Events

/// What `XINFO STREAM` reports about a stream.
public struct StreamInfo: Sendable, Equatable {
    /// The id `$` stands for; survives trimming and deletion.
    public var lastGeneratedID: StreamID
    /// How many entries were ever trimmed or deleted (`entries-added` minus `length`).
    /// Redis 7 and newer only: `nil` on older servers, which do not count them.
    public var removedEntries: Int64?
    /// The newest id ever trimmed or deleted (`max-deleted-entry-id`): every entry that
    /// existed with an id up to it may be gone. `0-0` when nothing was removed; `nil` on
    /// servers before Redis 7, which do not report it.
    public var maxDeletedID: StreamID?
    /// The oldest entry's id (`first-entry`); nil when the stream is empty.
    public var firstEntryID: StreamID?
    /// Entries ever added (`entries-added`); Redis 7 and newer only.
    public var entriesAdded: Int64?

    public init(
        lastGeneratedID: StreamID, removedEntries: Int64?, maxDeletedID: StreamID? = nil, firstEntryID: StreamID? = nil,
        entriesAdded: Int64? = nil
    ) {
        self.lastGeneratedID = lastGeneratedID
        self.removedEntries = removedEntries
        self.entriesAdded = entriesAdded
        self.maxDeletedID = maxDeletedID
        self.firstEntryID = firstEntryID
    }

    /// A stream that does not exist: nothing was ever added to it (a deleted stream starts
    /// over: Redis counts its `entries-added` from 0 when it is created again).
    public static let absent = StreamInfo(lastGeneratedID: .zero, removedEntries: 0, maxDeletedID: .zero, entriesAdded: 0)

    /// Whether the stream may have lost entries: true once anything was trimmed or
    /// deleted, and whenever the server cannot say.
    public var mayHaveLostEntries: Bool {
        removedEntries.map { $0 > 0 } ?? true
    }
}
