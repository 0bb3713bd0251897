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
/// 3. **Windows.** Superset `XADD`s each event to `<prefix>C` and then to the
///    firehose, so an event's channel-stream id c is never in a later millisecond than
///    its firehose id F, and at most `producerSkewMs` earlier: F is within
///    `[c, c + skew]`. The channel stream, read from L minus the skew, therefore says
///    where in the firehose C's events after L can be: the union of those windows. The
///    scan reads only them, so a socket's Redis cost follows its channel's events since L,
///    not the whole firehose since L; with no such entry, C has nothing to replay and the
///    firehose is not read at all. This holds only where the channel stream provably
///    holds every entry (it was never trimmed, or from its oldest entry left on); before
///    that, everything up to that entry plus the skew is one window. When C's stream does
///    not exist, everything from L is read.
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

    /// Where a channel's events may be in the firehose, per its channel stream.
    enum ChannelWindows: Equatable {
        /// Cannot tell: scan everything from `last_id`.
        case unknown
        /// The channel has no event after the `last_id` asked about.
        case nothing
        /// Its events after the `last_id` asked about are all within these stretches
        /// (sorted and apart).
        case within([ClosedRange<StreamID>])
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
        // Pass 2: per channel, the stretches of the firehose that can hold its events (one
        // read of its channel stream for all its requests, from the oldest).
        var windows: [String: ChannelWindows] = [:]
        for (channel, after) in earliest {
            let upTo = toScan.filter { $0.channelID == channel }.map(\.upTo).max() ?? after
            windows[channel] = try channelWindows(channel, after: after, upTo: upTo, on: connection)
        }
        toScan.removeAll { request in
            switch windows[request.channelID] ?? .unknown {
            case .unknown: break
            case .nothing: request.start = request.upTo.successor
            case .within(let stretches): request.windows = stretches
            }
            guard request.needed(from: request.start) == nil else { return false }
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

    /// The most channel-stream entries read to place a channel's windows; past them, one
    /// window runs to the end.
    static let channelEntriesRead = 2_000

    /// Where channel C's events after `after` (up to `upTo`) can be in the firehose (see
    /// 3. above): each channel-stream entry c, in a stream that provably holds every entry
    /// from `after` minus the skew on, puts its event's firehose copy within
    /// `[c, c + producerSkewMs]`. Where the channel stream was trimmed after that horizon,
    /// everything up to its oldest entry left plus the skew is one window.
    func channelWindows(_ channel: String, after: StreamID, upTo: StreamID, on connection: RedisConnection) throws -> ChannelWindows {
        let stream = channelPrefix + channel
        let horizon = StreamID(milliseconds: after.milliseconds > producerSkewMs ? after.milliseconds - producerSkewMs : 0, sequence: 0)
        guard let info = try connection.streamInfo(stream: stream) else { return .unknown }
        // From where on the channel stream holds every entry it was given.
        var complete = StreamID.zero
        if info.mayHaveLostEntries {
            complete = info.firstEntryID ?? info.lastGeneratedID.successor
        }
        var stretches: [ClosedRange<StreamID>] = []
        if complete > horizon {
            // Entries before `complete` may be gone: their events are within the skew of it.
            stretches.append(after.successor...within(complete.milliseconds))
        }
        let entries = try connection.xrange(stream: stream, from: max(complete, horizon), to: nil, count: Self.channelEntriesRead)
        for entry in entries {
            stretches.append(StreamID(milliseconds: entry.id.milliseconds, sequence: 0)...within(entry.id.milliseconds))
        }
        if entries.count == Self.channelEntriesRead, let last = entries.last {
            stretches.append(StreamID(milliseconds: last.id.milliseconds, sequence: 0)...upTo)
        }
        let merged = Self.merged(stretches, clippedTo: after.successor...max(after.successor, upTo))
        return merged.isEmpty ? .nothing : .within(merged)
    }

    /// The last id of the millisecond `producerSkewMs` after `ms`.
    private func within(_ ms: UInt64) -> StreamID {
        let (sum, overflow) = ms.addingReportingOverflow(producerSkewMs)
        return StreamID(milliseconds: overflow ? .max : sum, sequence: .max)
    }

    /// Sorted, clipped to `bounds`, overlapping or adjacent stretches joined.
    static func merged(_ stretches: [ClosedRange<StreamID>], clippedTo bounds: ClosedRange<StreamID>) -> [ClosedRange<StreamID>] {
        var result: [ClosedRange<StreamID>] = []
        for stretch in stretches.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            guard stretch.overlaps(bounds) else { continue }
            let clipped = stretch.clamped(to: bounds)
            if let last = result.last, clipped.lowerBound <= last.upperBound.successor {
                result[result.count - 1] = last.lowerBound...max(last.upperBound, clipped.upperBound)
            } else {
                result.append(clipped)
            }
        }
        return result
    }
}
