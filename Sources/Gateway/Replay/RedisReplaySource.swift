import Events
import Foundation
import Logging
import RedisStreams

/// Serves replays that the in-memory history cannot: on its own threads and Redis
/// connections, so a replay never waits behind the firehose's blocking `XREAD`.
///
/// For a socket of channel C with `last_id` L, up to the worker's position P:
/// 1. when the firehose still holds everything after L (it holds L or an older entry, or
///    Redis reports it never trimmed anything), `XRANGE firehose (L P]` filtered by
///    channel C: exact, in the id space of what clients receive;
/// 2. when the firehose was trimmed past L (it holds nothing at or before L, and it was
///    trimmed), the channel stream `<prefix>C` from L's
///    millisecond fills in up to the firehose's oldest entry, and the result is flagged
///    as a possible gap (the two streams' ids come from separate `XADD`s).
///
/// A `last_id` beyond P (`after > upTo`) replays nothing; the batch says whether the
/// firehose holds anything that new (`aheadOfFirehose`).
///
/// Its threads have the worker's thread lifecycle (`start`, `stop`, `join`): a stop fails
/// what is queued and interrupts a replay under way (its connection watches the threads'
/// interrupter).
public final class RedisReplaySource: ReplaySource, ThreadLifecycle, @unchecked Sendable {
    // @unchecked: `queue` is guarded by `condition`; connections are owned by one
    // thread each.
    private let endpoint: RedisEndpoint
    private let firehose: String
    private let channelPrefix: String
    private let pageSize: Int
    private let logger: Logger
    private let condition = NSCondition()
    private var queue: [Request] = []
    private let threads: ServiceThreads

    private struct Request {
        let channelID: String
        let after: StreamID
        let upTo: StreamID
        let completion: @Sendable (Result<ReplayBatch, any Error>) -> Void
    }

    public init(endpoint: RedisEndpoint, streamPrefix: String, threads: Int = 2, pageSize: Int = 1000, logger: Logger) {
        self.endpoint = endpoint
        self.firehose = streamPrefix + "full"
        self.channelPrefix = streamPrefix
        self.pageSize = pageSize
        self.logger = logger
        self.threads = ServiceThreads(name: "replay", count: threads)
    }

    public func start() {
        threads.start { [self] _ in run() }
    }

    public func fetch(
        channelID: String, after lastID: StreamID, upTo position: StreamID,
        completion: @escaping @Sendable (Result<ReplayBatch, any Error>) -> Void
    ) {
        condition.lock()
        defer { condition.unlock() }
        guard !threads.isStopping else {
            completion(.failure(RedisError.connection("replay service stopped")))
            return
        }
        queue.append(Request(channelID: channelID, after: lastID, upTo: position, completion: completion))
        condition.signal()
    }

    /// Fails what is queued and lets the threads end (a replay under way fails at once).
    public func stop() {
        threads.stop()
        // Threads waiting for work wait on `condition`: wake them to see the stop.
        condition.lock()
        let pending = queue
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
        for request in pending { request.completion(.failure(RedisError.connection("replay service stopped"))) }
    }

    @discardableResult
    public func join(timeoutMs: Int? = nil) -> Bool {
        threads.join(timeoutMs: timeoutMs)
    }

    private func run() {
        let connection = RedisConnection(endpoint: endpoint, interrupter: threads.interrupter)
        defer { connection.close() }
        while let request = next() {
            // A connection kept from an earlier replay may have died with a Redis restart
            // since: that costs one retry on a fresh connection, not the client's socket.
            let attempts = connection.isConnected ? 2 : 1
            for attempt in 1...attempts {
                do {
                    if !connection.isConnected { try connection.connect() }
                    request.completion(.success(try replay(request, on: connection)))
                    break
                } catch {
                    connection.close()
                    if attempt == attempts { request.completion(.failure(error)) }
                }
            }
        }
    }

    private func next() -> Request? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !threads.isStopping { condition.wait() }
        return threads.isStopping ? nil : queue.removeFirst()
    }

    private func replay(_ request: Request, on connection: RedisConnection) throws -> ReplayBatch {
        // A last_id beyond the worker's position: another worker may simply have read
        // further (the client has those events), unless the firehose has no such entry.
        if request.after > request.upTo {
            let newest = try connection.xrevrange(stream: firehose, count: 1).first?.id
            return ReplayBatch(events: [], possibleGap: false, upTo: request.upTo, aheadOfFirehose: newest.map { request.after > $0 } ?? true)
        }
        var events: [EncodedEvent] = []
        var start = request.after.successor
        var possibleGap = false
        let oldest = try connection.xrange(stream: firehose, from: .zero, to: nil, count: 1).first?.id
        let olderThanTheFirehose = oldest.map { $0 > request.after } ?? true
        // A last_id older than every entry is only a gap once the firehose was trimmed:
        // Redis 7 counts what it removed, so a young firehose is not a false alarm
        // (older servers cannot say, and every such last_id counts).
        if olderThanTheFirehose, try connection.streamInfo(stream: firehose)?.mayHaveLostEntries ?? true {
            // The firehose no longer holds last_id: take what the channel stream has from
            // last_id's millisecond up to where the firehose begins.
            possibleGap = true
            let channelStart = StreamID(milliseconds: request.after.milliseconds, sequence: 0)
            var channelEnd = request.upTo
            if let oldest, oldest <= request.upTo {
                channelEnd = oldest.milliseconds > 0 ? StreamID(milliseconds: oldest.milliseconds - 1, sequence: .max) : .zero
            }
            if channelStart <= channelEnd {
                let entries = try connection.xrange(stream: channelPrefix + request.channelID, from: channelStart, to: channelEnd, count: nil)
                events += encoded(entries, channelID: request.channelID)
            }
            guard let oldest, oldest <= request.upTo else {
                return ReplayBatch(events: events, possibleGap: true, upTo: request.upTo)
            }
            start = max(start, oldest)
        }
        while start <= request.upTo {
            let page = try connection.xrange(stream: firehose, from: start, to: request.upTo, count: pageSize)
            events += encoded(page, channelID: request.channelID)
            guard page.count == pageSize, let last = page.last else { break }
            start = last.id.successor
        }
        return ReplayBatch(events: events, possibleGap: possibleGap, upTo: request.upTo)
    }

    private func encoded(_ entries: [StreamEntry], channelID: String) -> [EncodedEvent] {
        entries.compactMap { entry in
            guard case .success(let event) = EventEncoder.encode(entry), event.channelID == channelID else { return nil }
            return event
        }
    }
}
