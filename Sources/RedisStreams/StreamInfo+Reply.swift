import Events

extension StreamInfo {
    /// Reads `XINFO STREAM`'s flat reply (RESP2: name, value, name, value …). Only the
    /// fields this service uses are read; `last-generated-id` is required.
    init(reply: RedisReply) throws(RedisError) {
        guard case .array(let flat) = reply else {
            throw .protocol("XINFO STREAM reply is not an array: \(reply.shapeName)")
        }
        var lastGenerated: StreamID?
        var length: Int64?
        var entriesAdded: Int64?
        var maxDeleted: StreamID?
        var firstEntry: StreamID?
        var index = 0
        while index + 1 < flat.count {
            let value = flat[index + 1]
            switch flat[index].string {
            case "last-generated-id":
                lastGenerated = try Self.id(value, field: "last-generated-id")
            case "max-deleted-entry-id":
                maxDeleted = try Self.id(value, field: "max-deleted-entry-id")
            case "length":
                length = value.integer
            case "entries-added":
                entriesAdded = value.integer
            case "first-entry":
                // [id, [field, value, …]], or nil for an empty stream.
                if case .array(let entry) = value, let first = entry.first {
                    firstEntry = try Self.id(first, field: "first-entry")
                }
            default:
                break
            }
            index += 2
        }
        guard let lastGenerated else { throw .protocol("XINFO STREAM reply has no last-generated-id") }
        let removed = entriesAdded.flatMap { added in length.map { added - $0 } }
        self.init(lastGeneratedID: lastGenerated, removedEntries: removed, maxDeletedID: maxDeleted, firstEntryID: firstEntry, entriesAdded: entriesAdded)
    }

    private static func id(_ value: RedisReply, field: String) throws(RedisError) -> StreamID {
        guard let bytes = value.bytes, let id = StreamID(bytes: bytes) else {
            throw .protocol("XINFO STREAM \(field) is not a stream id: \(value.shapeName)")
        }
        return id
    }
}
