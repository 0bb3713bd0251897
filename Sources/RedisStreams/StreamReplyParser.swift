import Events

/// Turns XRANGE / XREVRANGE / XREAD replies into `StreamBatch`es.
///
/// The reply's outer shape is the server's promise for the command: breaking it is a
/// protocol error. Each entry's own shape is checked separately, so one bad entry is
/// skipped and reported instead of failing the whole reply.
enum StreamReplyParser {
    /// XRANGE / XREVRANGE: `[[id, [field, value, …]], …]`.
    static func range(_ reply: RedisReply) throws(RedisError) -> StreamBatch {
        guard case .array(let items) = reply else {
            throw .protocol("stream range reply is not an array: \(reply.shapeName)")
        }
        var batch = StreamBatch()
        batch.entries.reserveCapacity(items.count)
        for item in items {
            append(item, to: &batch)
        }
        return batch
    }

    /// XREAD: nil on timeout, else `[[key, [entries…]], …]`. Only `stream`'s entries are kept.
    static func read(_ reply: RedisReply, stream: String) throws(RedisError) -> StreamBatch {
        switch reply {
        case .null:
            return StreamBatch()
        case .array(let streams):
            var batch = StreamBatch()
            let key = Array(stream.utf8)
            for streamReply in streams {
                guard case .array(let pair) = streamReply, pair.count == 2,
                      case .bulk(let name) = pair[0]
                else {
                    throw .protocol("XREAD reply element is not [key, entries]: \(streamReply.shapeName)")
                }
                guard name == key else { continue }
                let part = try range(pair[1])
                batch.entries += part.entries
                batch.skipped += part.skipped
                batch.lastID = max(batch.lastID, part.lastID)
            }
            return batch
        default:
            throw .protocol("XREAD reply is neither nil nor an array: \(reply.shapeName)")
        }
    }

    /// One entry: `[id, [field, value, …]]`.
    private static func append(_ item: RedisReply, to batch: inout StreamBatch) {
        guard case .array(let parts) = item, parts.count == 2 else {
            batch.skipped.append(SkippedEntry(id: nil, reason: "entry is not [id, fields]: \(item.shapeName)"))
            return
        }
        guard case .bulk(let idBytes) = parts[0], let id = StreamID(bytes: idBytes) else {
            batch.skipped.append(SkippedEntry(id: nil, reason: "entry id is not a stream id: \(parts[0].shapeName)"))
            return
        }
        batch.lastID = max(batch.lastID, id)
        switch fields(parts[1]) {
        case .success(let fields):
            batch.entries.append(StreamEntry(id: id, fields: fields))
        case .failure(let problem):
            batch.skipped.append(SkippedEntry(id: id, reason: problem.reason))
        }
    }

    private struct Problem: Error {
        var reason: String
    }

    private static func fields(_ reply: RedisReply) -> Result<[StreamField], Problem> {
        guard case .array(let flat) = reply else {
            return .failure(Problem(reason: "fields are not an array: \(reply.shapeName)"))
        }
        guard flat.count.isMultiple(of: 2) else {
            return .failure(Problem(reason: "odd number of field/value items (\(flat.count))"))
        }
        var fields: [StreamField] = []
        fields.reserveCapacity(flat.count / 2)
        var index = 0
        while index < flat.count {
            guard case .bulk(let name) = flat[index], case .bulk(let value) = flat[index + 1] else {
                return .failure(Problem(reason: "field \(index / 2) is not a pair of bulk strings"))
            }
            fields.append(StreamField(name: name, value: value))
            index += 2
        }
        return .success(fields)
    }

    private static func max(_ a: StreamID?, _ b: StreamID?) -> StreamID? {
        switch (a, b) {
        case (nil, let other), (let other, nil): other
        case (let a?, let b?): Swift.max(a, b)
        }
    }
}

extension RedisReply {
    /// The reply's kind, without its content (which may be large or private): for messages.
    var shapeName: String {
        switch self {
        case .status: "status"
        case .error: "error"
        case .integer: "integer"
        case .bulk(let bytes): "bulk(\(bytes.count) bytes)"
        case .null: "nil"
        case .array(let elements): "array(\(elements.count))"
        }
    }
}
