import Events

/// What `XINFO STREAM` reports about a stream.
public struct StreamInfo: Sendable, Equatable {
    /// The id `$` stands for; survives trimming and deletion.
    public var lastGeneratedID: StreamID
    /// How many entries were ever trimmed or deleted (`entries-added` minus `length`).
    /// Redis 7 and newer only: `nil` on older servers, which do not count them.
    public var removedEntries: Int64?

    public init(lastGeneratedID: StreamID, removedEntries: Int64?) {
        self.lastGeneratedID = lastGeneratedID
        self.removedEntries = removedEntries
    }

    /// Whether the stream may have lost entries: true once anything was trimmed or
    /// deleted, and whenever the server cannot say.
    public var mayHaveLostEntries: Bool {
        removedEntries.map { $0 > 0 } ?? true
    }
}
