import Events
import RedisStreams

/// One paged `XRANGE` walk over the firehose, shared by every request planned together:
/// sockets that wait for a replay at the same time cost one read of the firehose from
/// the oldest of their starts, not one each. Each page goes to every subscriber, which
/// keeps only its channel's events in its own range.
///
/// A scan is advanced one page at a time by whichever replay thread the scheduler gives
/// it to, so scans (and plans) take turns: a short replay never waits for a long one to
/// finish, only for its pages to interleave.
final class FirehoseScan {
    /// The id the next page starts from, at the earliest.
    private(set) var next: StreamID
    private(set) var subscribers: [ReplayRequest]
    /// A thread is reading its next page (a scan's pages are read in order, one at a time).
    var isBusy = false

    /// - Parameter requests: planned requests (each with its `start`), not empty.
    init(_ requests: [ReplayRequest]) {
        precondition(!requests.isEmpty)
        subscribers = requests
        next = requests.map(\.start).min()!
    }

    var isFinished: Bool { subscribers.isEmpty }

    /// Removes the subscribers whose socket closed, and returns them. A scan left with
    /// none is finished: its remaining pages are never read.
    func removeCancelled() -> [ReplayRequest] {
        let cancelled = subscribers.filter(\.ticket.isCancelled)
        if !cancelled.isEmpty { subscribers.removeAll { $0.ticket.isCancelled } }
        return cancelled
    }

    /// The ids the next page reads: from the first one a subscriber still needs, through
    /// the end of what the subscribers need from there without a break. What lies between
    /// the subscribers' windows (`ReplayRequest.windows`) is never read. Nil when no
    /// subscriber needs anything more.
    func nextStretch() -> ClosedRange<StreamID>? {
        ReplayPlanner.merged(subscribers.compactMap { $0.needed(from: next) }, clippedTo: next...StreamID.max).first
    }

    /// Hands a page read over `stretch` (at most `pageSize` entries) to the subscribers
    /// and moves past it; returns the subscribers that now have everything.
    ///
    /// The cursor moves past the page's last entry, malformed ones included (they are in
    /// `skipped`, not `entries`): a page of malformed entries never ends the stretch
    /// early, only a page shorter than `pageSize` does.
    func consume(_ page: StreamBatch, of stretch: ClosedRange<StreamID>, pageSize: Int) -> [ReplayRequest] {
        var wanted: [String: [ReplayRequest]] = [:]
        for request in subscribers { wanted[request.channelID, default: []].append(request) }
        for entry in page.entries {
            if let value = entry.firstValue, let channel = ChannelIDPeek.channelID(in: value), wanted[channel] == nil { continue }
            guard case .success(let event) = EventEncoder.encode(entry), let requests = wanted[event.channelID] else { continue }
            for request in requests { request.offer(event) }
        }
        let readAll = page.entries.count + page.skipped.count < pageSize
        if !readAll, let last = page.lastID, last < stretch.upperBound {
            next = last.successor
        } else if stretch.upperBound < StreamID.max {
            next = stretch.upperBound.successor
        } else {
            return takeSubscribers()
        }
        let done = subscribers.filter { $0.needed(from: next) == nil }
        if !done.isEmpty { subscribers.removeAll { $0.needed(from: next) == nil } }
        return done
    }

    /// Every subscriber, removed: those of a failed scan (the caller fails them) or of one
    /// with nothing left to read (the caller completes them).
    func takeSubscribers() -> [ReplayRequest] {
        defer { subscribers.removeAll() }
        return subscribers
    }
}
