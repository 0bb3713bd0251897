import Events
import RedisStreams

/// Decides, with a few cheap probes, what each request of a plan needs from the
/// firehose: nothing (completed here), or a scan from some id. Its probes cost a
/// bounded number of `COUNT 1` reads per plan and per channel, never a scan.
///
/// For a socket of channel C with `last_id` L, up to the worker's position P:
/// 1. L beyond P replays nothing; the batch says whether the firehose holds anything
///    that new (`aheadOfFirehose`).
/// 2. When the firehose was trimmed past L (it holds nothing at or before L, and it was
///    trimmed), the channel stream `<prefix>C` from L's millisecond fills in up to the
///    firehose's oldest entry, flagged as a possible gap (the two streams' ids come from
///    separate `XADD`s); the scan starts at that oldest entry.
/// 3. **Skip-ahead.** Superset `XADD`s each event to `<prefix>C` and then to the
///    firehose, so an event's channel-stream id is never in a later millisecond than its
///    firehose id, and at most `producerSkewMs` earlier. A channel-stream entry older than
///    L minus that skew is therefore before L in the firehose too: the scan may start at
///    the millisecond of C's first channel-stream entry after that, and when there is
///    none, C has nothing to replay and the firehose is not read at all. This holds only
///    when no channel-stream entry after L minus the skew can have been trimmed away; when
///    that cannot be shown (or C's stream does not exist) the scan starts at L.
///
/// Delivered ids stay firehose ids: the channel stream only says where to start.
struct ReplayPlanner {
    let firehose: String
    let channelPrefix: String
    let producerSkewMs: UInt64

    /// The firehose's edges, read at most once per plan.
    private struct Firehose {
        var oldest: StreamID??
        var newest: StreamID??
        var mayHaveLostEntries: Bool?
    }

    /// Where a channel's events may begin, per the channel stream.
    enum ChannelStart: Equatable {
        /// Cannot tell: scan from `last_id`.
        case unknown
        /// The channel has no event after the `last_id` asked about.
        case nothing
        /// No event of the channel after the `last_id` asked about is before this id.
        case from(StreamID)
    }

    /// Plans `requests` on `connection`. Returns those that need a scan (their `start`
    /// set); the others were completed (or are left for the caller to complete when this
    /// throws).
    func plan(_ requests: [ReplayRequest], on connection: RedisConnection) throws -> [ReplayRequest] {
        var firehoseEdges = Firehose()
        var toScan: [ReplayRequest] = []
        var completed: [ReplayRequest] = []
        var earliest: [String: StreamID] = [:]
        // Pass 1: the firehose's part (ahead, gap).
        for request in requests {
            request.resetPlan()
            if request.after > request.upTo {
                if firehoseEdges.newest == nil {
                    firehoseEdges.newest = .some(try connection.xrevrange(stream: firehose, count: 1).first?.id)
                }
                let newest = firehoseEdges.newest!
                request.decided = ReplayBatch(
                    events: [], possibleGap: false, upTo: request.upTo, aheadOfFirehose: newest.map { request.after > $0 } ?? true)
                completed.append(request)
                continue
            }
            if firehoseEdges.oldest == nil {
                firehoseEdges.oldest = .some(try connection.xrange(stream: firehose, from: .zero, to: nil, count: 1).first?.id)
            }
            let oldest = firehoseEdges.oldest!
            // A last_id older than every entry is only a gap once the firehose was trimmed:
            // Redis 7 counts what it removed, so a young firehose is not a false alarm
            // (older servers cannot say, and every such last_id counts).
            if oldest.map({ $0 > request.after }) ?? true {
                if firehoseEdges.mayHaveLostEntries == nil {
                    firehoseEdges.mayHaveLostEntries = try connection.streamInfo(stream: firehose)?.mayHaveLostEntries ?? true
                }
                if firehoseEdges.mayHaveLostEntries! {
                    try fillGap(request, oldest: oldest, on: connection)
                    guard let oldest, oldest <= request.upTo else {
                        completed.append(request)
                        continue
                    }
                    request.start = max(request.start, oldest)
                }
            }
            toScan.append(request)
            earliest[request.channelID] = min(earliest[request.channelID] ?? request.after, request.after)
        }
        // Pass 2: skip ahead per channel (one probe for all its requests, from the oldest).
        var starts: [String: ChannelStart] = [:]
        for (channel, after) in earliest {
            starts[channel] = try channelStart(channel, after: after, on: connection)
        }
        toScan.removeAll { request in
            switch starts[request.channelID] ?? .unknown {
            case .unknown: break
            case .nothing: request.start = request.upTo.successor
            case .from(let id): request.start = max(request.start, StreamID(milliseconds: id.milliseconds, sequence: 0))
            }
            guard request.start > request.upTo else { return false }
            completed.append(request)
            return true
        }
        for request in completed { request.succeed() }
        return toScan
    }

    /// The channel stream's part of a replay whose `last_id` the firehose no longer
    /// holds: from `last_id`'s millisecond up to where the firehose begins.
    private func fillGap(_ request: ReplayRequest, oldest: StreamID?, on connection: RedisConnection) throws {
        request.possibleGap = true
        let channelStart = StreamID(milliseconds: request.after.milliseconds, sequence: 0)
        var channelEnd = request.upTo
        if let oldest, oldest <= request.upTo {
            channelEnd = oldest.milliseconds > 0 ? StreamID(milliseconds: oldest.milliseconds - 1, sequence: .max) : .zero
        }
        guard channelStart <= channelEnd else { return }
        let entries = try connection.xrange(stream: channelPrefix + request.channelID, from: channelStart, to: channelEnd, count: nil)
        for entry in entries {
            if case .success(let event) = EventEncoder.encode(entry), event.channelID == request.channelID {
                request.events.append(event)
            }
        }
    }

    /// Where channel C's events after `after` can begin in the firehose (see 3. above).
    func channelStart(_ channel: String, after: StreamID, on connection: RedisConnection) throws -> ChannelStart {
        let stream = channelPrefix + channel
        let horizon = after.milliseconds > producerSkewMs ? after.milliseconds - producerSkewMs : 0
        guard let info = try connection.streamInfo(stream: stream) else { return .unknown }
        if info.mayHaveLostEntries {
            // Trimmed: only safe if what is left reaches back past the horizon.
            guard let oldest = try connection.xrange(stream: stream, from: .zero, to: nil, count: 1).first?.id,
                  oldest.milliseconds < horizon
            else { return .unknown }
        }
        guard let first = try connection.xrange(stream: stream, from: StreamID(milliseconds: horizon, sequence: 0), to: nil, count: 1).first else {
            return .nothing
        }
        return .from(first.id)
    }
}
