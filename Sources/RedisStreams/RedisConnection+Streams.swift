import Events

extension RedisConnection {
    /// `XREAD COUNT count [BLOCK blockMs] STREAMS stream after`: entries with ids greater
    /// than `after`, oldest first; empty when the block timed out.
    ///
    /// - Parameter blockMs: nil does not block; 0 blocks forever (and so disables the
    ///   dead-server timeout: avoid it); otherwise the socket waits `blockMs` plus
    ///   `responseTimeoutMs` before declaring the server dead.
    public func xread(stream: String, after: StreamID, count: Int, blockMs: Int? = nil) throws(RedisError) -> [StreamEntry] {
        try xreadBatch(stream: stream, after: after, count: count, blockMs: blockMs).entries
    }

    /// `xread`, keeping the skipped entries and the highest id seen.
    public func xreadBatch(stream: String, after: StreamID, count: Int, blockMs: Int? = nil) throws(RedisError) -> StreamBatch {
        let timeoutMs: Int? = switch blockMs {
        case nil: responseTimeoutMs
        case 0?: nil
        case let block?: block + responseTimeoutMs
        }
        let reply = try command(
            StreamCommand.xread(stream: stream, after: after, count: count, blockMs: blockMs),
            timeoutMs: timeoutMs
        )
        return reported(try StreamReplyParser.read(reply, stream: stream), stream: stream)
    }

    /// `XRANGE stream from <to or +> [COUNT count]`: `from` and `to` inclusive, oldest first.
    public func xrange(stream: String, from: StreamID, to: StreamID? = nil, count: Int? = nil) throws(RedisError) -> [StreamEntry] {
        try xrangeBatch(stream: stream, from: from, to: to, count: count).entries
    }

    public func xrangeBatch(stream: String, from: StreamID, to: StreamID? = nil, count: Int? = nil) throws(RedisError) -> StreamBatch {
        let reply = try command(StreamCommand.xrange(stream: stream, from: from, to: to, count: count))
        return reported(try StreamReplyParser.range(reply), stream: stream)
    }

    /// `XREVRANGE stream + - [COUNT count]`: the newest entries, newest first.
    public func xrevrange(stream: String, count: Int? = nil) throws(RedisError) -> [StreamEntry] {
        try xrevrangeBatch(stream: stream, count: count).entries
    }

    public func xrevrangeBatch(stream: String, count: Int? = nil) throws(RedisError) -> StreamBatch {
        let reply = try command(StreamCommand.xrevrange(stream: stream, count: count))
        return reported(try StreamReplyParser.range(reply), stream: stream)
    }

    /// What `$` means right now: the stream's last-generated-id (`XINFO STREAM`), which
    /// survives trimming and deletion of entries. `StreamID.zero` when the stream does not exist.
    public func lastGeneratedID(stream: String) throws(RedisError) -> StreamID {
        try streamInfo(stream: stream)?.lastGeneratedID ?? .zero
    }

    /// `XINFO STREAM`'s ids; `nil` when the stream does not exist.
    public func streamInfo(stream: String) throws(RedisError) -> StreamInfo? {
        do {
            return try StreamInfo(reply: try command(StreamCommand.xinfoStream(stream)))
        } catch .server(let message) where message.contains("no such key") {
            return nil
        }
    }

    /// `XINFO STREAM` then `XREAD … BLOCK`, sent in one write so that Redis runs them back
    /// to back: the info says what had been removed from the stream when the read began
    /// (see `FirehoseReader`'s trim check). The info is nil when the stream does not exist.
    public func infoAndRead(stream: String, after: StreamID, count: Int, blockMs: Int) throws(RedisError) -> (StreamInfo?, StreamBatch) {
        let (check, batch) = try read(stream: stream, after: after, count: count, blockMs: blockMs, checkedBy: StreamCommand.xinfoStream(stream))
        switch check {
        case .error(let message) where message.contains("no such key"): return (nil, batch)
        case .error(let message): throw .server(message)
        case let reply: return (try StreamInfo(reply: reply), batch)
        }
    }

    /// `XRANGE stream after after` then `XREAD … BLOCK`, sent in one write: whether the
    /// entry at `after` was still there when the read began, and what the read returned.
    /// While it is there, nothing after it was trimmed (trims remove the oldest entries
    /// first), so this is the reader's cheap trim check: unlike `XINFO STREAM`, whose
    /// reply carries the stream's first and last entries whatever their size, it costs
    /// one entry the reader has already read.
    public func probeAndRead(stream: String, after: StreamID, count: Int, blockMs: Int) throws(RedisError) -> (held: Bool, StreamBatch) {
        let (check, batch) = try read(
            stream: stream, after: after, count: count, blockMs: blockMs, checkedBy: StreamCommand.xrange(stream: stream, from: after, to: after, count: 1))
        switch check {
        case .error(let message): throw .server(message)
        case .array(let entries): return (!entries.isEmpty, batch)
        default: return (false, batch)
        }
    }

    /// `check` then `XREAD … BLOCK`, in one write so that Redis runs them back to back:
    /// the check's raw reply, and the read's batch (a read error throws).
    private func read(
        stream: String, after: StreamID, count: Int, blockMs: Int, checkedBy check: [[UInt8]]
    ) throws(RedisError) -> (RedisReply, StreamBatch) {
        let replies = try pipeline(
            [check, StreamCommand.xread(stream: stream, after: after, count: count, blockMs: blockMs)],
            timeoutMs: blockMs + responseTimeoutMs)
        if case .error(let message) = replies[1] { throw .server(message) }
        return (replies[0], reported(try StreamReplyParser.read(replies[1], stream: stream), stream: stream))
    }

    /// `XADD stream [MAXLEN ~ n] <id or *> fields…`; returns the new entry's id.
    @discardableResult
    public func xadd(
        stream: String, id: StreamID? = nil, fields: [StreamField], maxlenApprox: Int? = nil
    ) throws(RedisError) -> StreamID {
        let reply = try command(StreamCommand.xadd(stream: stream, id: id, fields: fields, maxlenApprox: maxlenApprox))
        return try Self.streamID(fromXADD: reply)
    }

    /// Many XADDs in one round trip (`pipeline`); returns the new ids in order.
    /// Throws `.server` with the first error reply (the other entries were still added).
    @discardableResult
    public func xaddPipelined(
        stream: String, entries: [[StreamField]], maxlenApprox: Int? = nil
    ) throws(RedisError) -> [StreamID] {
        let replies = try pipeline(entries.map {
            StreamCommand.xadd(stream: stream, fields: $0, maxlenApprox: maxlenApprox)
        })
        var ids: [StreamID] = []
        ids.reserveCapacity(replies.count)
        for reply in replies {
            if case .error(let message) = reply { throw .server(message) }
            ids.append(try Self.streamID(fromXADD: reply))
        }
        return ids
    }

    private static func streamID(fromXADD reply: RedisReply) throws(RedisError) -> StreamID {
        guard let bytes = reply.bytes, let id = StreamID(bytes: bytes) else {
            throw .protocol("XADD reply is not a stream id: \(reply.shapeName)")
        }
        return id
    }

    /// Logs what a batch had to skip, so that a bad producer is visible without failing readers.
    private func reported(_ batch: StreamBatch, stream: String) -> StreamBatch {
        for skipped in batch.skipped {
            logger.warning("\(skipped)", metadata: ["stream": "\(stream)"])
        }
        return batch
    }
}
