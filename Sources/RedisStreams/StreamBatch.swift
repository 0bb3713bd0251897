import Events

/// The entries of one stream reply, plus what could not be read from it.
///
/// A malformed entry never costs the rest of the reply: it is listed in `skipped` and
/// logged, and `lastID` still moves past it so that a reader paging by id does not
/// fetch it again forever.
public struct StreamBatch: Sendable, Equatable {
    /// Well-formed entries, in the order of the reply.
    public var entries: [StreamEntry]
    /// Entries that were dropped, and why.
    public var skipped: [SkippedEntry]
    /// The highest id in the reply, malformed entries included; nil when the reply had none.
    public var lastID: StreamID?

    public init(entries: [StreamEntry] = [], skipped: [SkippedEntry] = [], lastID: StreamID? = nil) {
        self.entries = entries
        self.skipped = skipped
        self.lastID = lastID
    }

    public var isEmpty: Bool { entries.isEmpty && skipped.isEmpty }
}

/// An entry left out of a `StreamBatch`.
public struct SkippedEntry: Sendable, Equatable, CustomStringConvertible {
    /// Its id, when even that was readable.
    public var id: StreamID?
    public var reason: String

    public init(id: StreamID?, reason: String) {
        self.id = id
        self.reason = reason
    }

    public var description: String {
        "stream entry \(id.map(String.init(describing:)) ?? "<no id>") skipped: \(reason)"
    }
}
