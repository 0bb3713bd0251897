import Events

/// Where a `FirehoseReader` reads from.
public enum FirehoseStart: Sendable {
    /// After this id.
    case after(StreamID)
    /// After the stream's newest entry at the moment the reader first reaches Redis: `$`
    /// resolved to a concrete id, with up to `warmCount` of the newest entries up to it
    /// (see `FirehoseOrigin`).
    case newest(warmCount: Int)
}

/// What a reader started at `.newest` found on reaching Redis: the id it reads after, and
/// the newest entries up to that id, oldest first (a worker warms its replay history
/// with them, so that it can replay to browsers what was published just before it).
public struct FirehoseOrigin: Sendable, Equatable {
    /// `$`: the stream's last-generated-id (`StreamID.zero` when there is no stream).
    public let position: StreamID
    /// At most the requested count of the newest entries, none after `position`, oldest first.
    public let warm: [StreamEntry]

    public init(position: StreamID, warm: [StreamEntry]) {
        self.position = position
        self.warm = warm
    }

    /// `$` first, then the newest entries, keeping only those up to `$`: they are then
    /// exactly the newest entries before the reader's start, however fast producers write.
    static func resolve(stream: String, warmCount: Int, on connection: RedisConnection) throws(RedisError) -> FirehoseOrigin {
        let position = try connection.lastGeneratedID(stream: stream)
        let newest = try connection.xrevrange(stream: stream, count: warmCount)
        return FirehoseOrigin(position: position, warm: newest.reversed().filter { $0.id <= position })
    }
}
