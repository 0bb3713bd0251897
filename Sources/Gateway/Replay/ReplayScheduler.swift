/// Which replay work a replay thread does next: the source's state machine, with no I/O
/// (`RedisReplaySource` carries the work out against Redis; `ReplaySchedulerTests`
/// drive it alone).
///
/// Work comes in two kinds, and threads take turns over them:
/// - **plan**: every request queued since the last plan, taken at once, so that
///   requests that waited together are planned together and share one `FirehoseScan`;
///   one plan at a time, so that requests arriving meanwhile gather for the next;
/// - **page**: the next page of one scan, the scans served in rotation, so that a
///   short replay's pages interleave with a long one's instead of queueing behind it.
///
/// The work is bounded per step (one plan of cheap probes, or one page), and cancelled
/// requests are dropped before each step: a scan whose sockets all closed is never
/// read again.
struct ReplayScheduler {
    enum Work {
        case plan([ReplayRequest])
        case page(FirehoseScan)
    }

    private var queued: [ReplayRequest] = []
    private var planning = false
    private var scans: [FirehoseScan] = []
    /// Where the rotation over `scans` continues.
    private var turn = 0

    var isIdle: Bool { queued.isEmpty && !planning && scans.isEmpty }
    var scanCount: Int { scans.count }

    mutating func enqueue(_ request: ReplayRequest) {
        queued.append(request)
    }

    /// The next step for a free thread, or nil when there is none for now (every scan is
    /// being paged and a plan is under way, or nothing is left). `cancelled`: requests
    /// whose sockets closed, for the caller to fail outside its lock; when there are any,
    /// no step comes with them (ask again).
    mutating func next() -> (work: Work?, cancelled: [ReplayRequest]) {
        var cancelled = queued.filter(\.ticket.isCancelled)
        queued.removeAll { $0.ticket.isCancelled }
        for scan in scans where !scan.isBusy { cancelled += scan.removeCancelled() }
        scans.removeAll { !$0.isBusy && $0.isFinished }
        // The cancelled first, alone: the caller fails them and asks again. A step handed
        // out with them would be marked under way (`planning`, `isBusy`) while a caller that
        // only looked at them dropped it, and no replay would ever be planned again.
        if !cancelled.isEmpty { return (nil, cancelled) }
        // A plan first: it is cheap and lets new requests start.
        if !planning, !queued.isEmpty {
            planning = true
            defer { queued.removeAll() }
            return (.plan(queued), cancelled)
        }
        guard !scans.isEmpty else { return (nil, cancelled) }
        for offset in 0..<scans.count {
            let index = (turn + offset) % scans.count
            let scan = scans[index]
            if !scan.isBusy {
                scan.isBusy = true
                turn = index + 1
                return (.page(scan), cancelled)
            }
        }
        return (nil, cancelled)
    }

    /// A plan ended: the requests that need the firehose share one scan from the oldest
    /// of their starts (those that did not were completed by the planner).
    mutating func planned(_ requests: [ReplayRequest]) {
        planning = false
        guard !requests.isEmpty else { return }
        scans.append(FirehoseScan(requests))
    }

    /// A page was read and consumed (or the scan failed): the scan takes its turn again.
    mutating func paged(_ scan: FirehoseScan) {
        scan.isBusy = false
        if scan.isFinished { scans.removeAll { $0 === scan } }
    }

    /// Stopping: every request still here, for the caller to fail, except those of
    /// scans a thread is paging (that thread ends them: its read is interrupted).
    mutating func drain() -> [ReplayRequest] {
        defer {
            queued.removeAll()
            scans.removeAll()
        }
        return queued + scans.filter { !$0.isBusy }.flatMap { $0.takeSubscribers() }
    }
}
