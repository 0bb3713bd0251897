import Events
import Testing

@testable import Gateway

/// The replay threads' turns, as a value: plans gather what queued, scans rotate,
/// cancelled requests are dropped before any work is done for them.
@Suite struct ReplaySchedulerTests {
    func request(_ channel: String, after: UInt64) -> ReplayRequest {
        ReplayRequest(channelID: channel, after: id(after), upTo: id(1_000), ticket: ReplayTicket()) { _ in }
    }

    @Test func requestsQueuedDuringAPlanAreOneNextPlan() {
        var scheduler = ReplayScheduler()
        scheduler.enqueue(request("a", after: 1))
        guard case .plan(let first)? = scheduler.next().work else { Issue.record("no plan"); return }
        #expect(first.count == 1)
        for index in 0..<5 { scheduler.enqueue(request("b", after: UInt64(index))) }
        #expect(scheduler.next().work == nil, "one plan at a time: the five wait together")
        scheduler.planned(first)
        guard case .plan(let second)? = scheduler.next().work else { Issue.record("no second plan"); return }
        #expect(second.count == 5)
        scheduler.planned(second)
        #expect(scheduler.scanCount == 2, "one scan per plan, not per request")
    }

    @Test func scansTakeTurnsPageByPage() {
        var scheduler = ReplayScheduler()
        var scans: [FirehoseScan] = []
        for channel in ["a", "b", "c"] {
            scheduler.enqueue(request(channel, after: 0))
            guard case .plan(let requests)? = scheduler.next().work else { return }
            scheduler.planned(requests)
        }
        for _ in 0..<6 {
            guard case .page(let scan)? = scheduler.next().work else { Issue.record("no page"); return }
            scans.append(scan)
            scheduler.paged(scan)
        }
        #expect(scans[0] !== scans[1] && scans[1] !== scans[2] && scans[0] === scans[3], "round robin")
    }

    @Test func aCancelledRequestIsDroppedAndItsScanWithIt() {
        var scheduler = ReplayScheduler()
        let queued = request("a", after: 0)
        queued.ticket.cancel()
        scheduler.enqueue(queued)
        let first = scheduler.next()
        #expect(first.work == nil && first.cancelled.map(\.channelID) == ["a"], "never planned")
        let scanned = request("b", after: 0)
        scheduler.enqueue(scanned)
        guard case .plan(let requests)? = scheduler.next().work else { return }
        scheduler.planned(requests)
        scanned.ticket.cancel()
        let next = scheduler.next()
        #expect(next.work == nil && next.cancelled.count == 1, "its scan is never paged again")
        #expect(scheduler.isIdle)
    }

    /// A held-out hang: a plan handed out together with cancelled requests was dropped by
    /// the replay thread, `planning` stayed set, and no replay of the worker was ever
    /// planned again (a victim socket waited forever).
    @Test func noStepComesWithCancelledRequestsSoNoneIsLost() {
        var scheduler = ReplayScheduler()
        let old = request("old", after: 0)
        scheduler.enqueue(old)
        guard case .plan(let requests)? = scheduler.next().work else { Issue.record("no plan"); return }
        scheduler.planned(requests)
        // Its socket closes while another socket's request queues.
        old.ticket.cancel()
        let victim = request("victim", after: 500)
        scheduler.enqueue(victim)
        let first = scheduler.next()
        #expect(first.work == nil && first.cancelled.map(\.channelID) == ["old"])
        guard case .plan(let planned)? = scheduler.next().work else { Issue.record("the victim's plan was lost"); return }
        #expect(planned.map(\.channelID) == ["victim"])
    }
}

extension ReplayScheduler.Work: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.plan(let a), .plan(let b)): a.elementsEqual(b, by: ===)
        case (.page(let a), .page(let b)): a === b
        default: false
        }
    }
}
