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
    /// The id of the next entry to read.
    private(set) var next: StreamID
    /// The newest id any subscriber wants.
    private(set) var end: StreamID
    private(set) var subscribers: [ReplayRequest]
    /// A thread is reading its next page (a scan's pages are read in order, one at a time).
    var isBusy = false

    /// - Parameter requests: planned requests (each with its `start`), not empty.
    init(_ requests: [ReplayRequest]) {
        precondition(!requests.isEmpty)
        subscribers = requests
        next = requests.map(\.start).min()!
        end = requests.map(\.upTo).max()!
    }

    /// The last page was read: nothing after it up to `end`.
    private(set) var isExhausted = false

    var isFinished: Bool { subscribers.isEmpty || isExhausted }

    /// Removes the subscribers whose socket closed, and returns them. A scan left with
    /// none is finished: its remaining pages are never read.
    func removeCancelled() -> [ReplayRequest] {
        let cancelled = subscribers.filter(\.ticket.isCancelled)
        if !cancelled.isEmpty { subscribers.removeAll { $0.ticket.isCancelled } }
        return cancelled
    }

    /// Hands a page read from `next` (at most `pageSize` entries, up to `end`) to the
    /// subscribers and moves past it; returns the subscribers that now have everything.
    ///
    /// The cursor moves past the page's last entry, malformed ones included (they are in
    /// `skipped`, not `entries`): a page of malformed entries never ends the scan early,
    /// only a page shorter than `pageSize` does.
    func consume(_ page: StreamBatch, pageSize: Int) -> [ReplayRequest] {
        var wanted: [String: [ReplayRequest]] = [:]
        for request in subscribers { wanted[request.channelID, default: []].append(request) }
        for entry in page.entries {
            if let value = entry.firstValue, let channel = ChannelIDPeek.channelID(in: value), wanted[channel] == nil { continue }
            guard case .success(let event) = EventEncoder.encode(entry), let requests = wanted[event.channelID] else { continue }
            for request in requests { request.offer(event) }
        }
        let readAll = page.entries.count + page.skipped.count < pageSize
        if let last = page.lastID, !readAll, last < end {
            next = last.successor
            let done = subscribers.filter { $0.upTo <= last }
            subscribers.removeAll { $0.upTo <= last }
            return done
        }
        isExhausted = true
        return abandon()
    }

    /// The scan failed: its subscribers, which the caller fails.
    func abandon() -> [ReplayRequest] {
        defer { subscribers.removeAll() }
        return subscribers
    }
}
