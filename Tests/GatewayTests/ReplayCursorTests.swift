import Events
import NIOCore
import Testing

@testable import Gateway

/// Every transition of a socket's replay cursor, without sockets or an event loop.
@Suite struct ReplayCursorTests {
    let allocator = ByteBufferAllocator()

    /// Steps until the cursor waits or asks for something other than a write; returns
    /// the written ids and the step it stopped at.
    func drain(_ cursor: inout ReplayCursor, position: StreamID?, floor: StreamID = .zero, writable: Bool = true) -> (written: [StreamID], stop: String) {
        var written: [StreamID] = []
        while true {
            let step = cursor.next(position: position, historyFloor: floor, writable: writable)
            guard case .write(let event) = step else { return (written, step.summary) }
            written.append(event.id)
        }
    }

    func batch(_ ids: [StreamID], upTo: StreamID, gap: Bool = false) -> ReplayBatch {
        ReplayBatch(events: ids.map { encoded($0, channel: "a") }, possibleGap: gap, upTo: upTo)
    }

    // MARK: - Opening

    @Test func withoutLastIDTheSocketIsLiveAtOnce() {
        var cursor = ReplayCursor(lastID: nil)
        #expect(cursor.phase == .live)
        #expect(cursor.lastSentID == nil)
        let step = cursor.next(position: id(5), historyFloor: .zero, writable: true).summary
        #expect(step == "wait")
    }

    @Test func withLastIDTheSocketReplaysFromIt() {
        let cursor = ReplayCursor(lastID: id(3))
        #expect(cursor.phase == .replaying)
        #expect(cursor.lastSentID == id(3))
        #expect(cursor.isOpen)
    }

    // MARK: - Live events

    @Test func aLiveSocketWritesNewEventsOnceAndSkipsWhatItHas() {
        var cursor = ReplayCursor(lastID: nil)
        let action1 = cursor.liveEvent(id(2))
        #expect(action1 == .write)
        #expect(cursor.lastSentID == id(2))
        let action2 = cursor.liveEvent(id(2))
        #expect(action2 == .skip)
        let action3 = cursor.liveEvent(id(1))
        #expect(action3 == .skip)
        let action4 = cursor.liveEvent(id(3))
        #expect(action4 == .write)
    }

    @Test func aReplayingSocketHoldsLiveEventsForItsCursorToReach() {
        var cursor = ReplayCursor(lastID: id(1))
        let action = cursor.liveEvent(id(2))
        #expect(action == .hold)
        #expect(cursor.lastSentID == id(1), "a held event does not move the cursor")
    }

    @Test func aClosedSocketDropsLiveEvents() {
        var cursor = ReplayCursor(lastID: nil)
        cursor.close()
        let action = cursor.liveEvent(id(2))
        #expect(action == .drop)
        #expect(!cursor.isOpen)
    }

    @Test func advanceNeverMovesBack() {
        var cursor = ReplayCursor(lastID: id(5))
        let moved1 = cursor.advance(to: id(4))
        #expect(!moved1)
        let moved2 = cursor.advance(to: id(5))
        #expect(!moved2)
        let moved3 = cursor.advance(to: id(5, 1))
        #expect(moved3)
        #expect(cursor.lastSentID == id(5, 1))
    }

    // MARK: - Waiting

    @Test func aReplayWaitsForTheFirehosePosition() {
        var cursor = ReplayCursor(lastID: id(1))
        let step1 = cursor.next(position: nil, historyFloor: .zero, writable: true).summary
        #expect(step1 == "wait")
        let step2 = cursor.next(position: id(3), historyFloor: .zero, writable: true).summary
        #expect(step2 == "history 1-0")
    }

    @Test func aReplayWaitsWhileTheSendBufferIsFull() {
        var cursor = ReplayCursor(lastID: id(1))
        let step = cursor.next(position: id(3), historyFloor: .zero, writable: false).summary
        #expect(step == "wait")
        #expect(cursor.phase == .replaying)
    }

    // MARK: - From the history

    @Test func theHistoryServesALastIDAtOrAboveItsFloor() {
        var cursor = ReplayCursor(lastID: id(4))
        let step = cursor.next(position: id(9), historyFloor: id(4), writable: true).summary
        #expect(step == "history 4-0")
    }

    @Test func aLastIDAtOrPastThePositionNeedsNoFetch() {
        var cursor = ReplayCursor(lastID: id(9))
        let step = cursor.next(position: id(9), historyFloor: id(20), writable: true).summary
        #expect(step == "history 9-0")
    }

    @Test func theSocketGoesLiveOnlyWithRoomToSpare() {
        var cursor = ReplayCursor(lastID: id(1))
        _ = cursor.next(position: id(3), historyFloor: .zero, writable: true)
        cursor.historyWritten(writable: false)
        #expect(cursor.phase == .replaying, "a full buffer keeps the socket replaying")
        let step1 = cursor.next(position: id(3), historyFloor: .zero, writable: true).summary
        #expect(step1 == "history 1-0")
        cursor.historyWritten(writable: true)
        #expect(cursor.phase == .live)
        let step2 = cursor.next(position: id(3), historyFloor: .zero, writable: true).summary
        #expect(step2 == "wait")
    }

    @Test func historyWrittenAfterCloseDoesNotReopen() {
        var cursor = ReplayCursor(lastID: id(1))
        cursor.close()
        cursor.historyWritten(writable: true)
        #expect(cursor.phase == .closed)
    }

    // MARK: - From Redis

    @Test func aLastIDBelowTheFloorIsFetchedUpToThePosition() {
        var cursor = ReplayCursor(lastID: id(2))
        let step1 = cursor.next(position: id(10), historyFloor: id(5), writable: true).summary
        #expect(step1 == "fetch 2-0...10-0")
        #expect(cursor.awaitingFetch)
        let step2 = cursor.next(position: id(10), historyFloor: id(5), writable: true).summary
        #expect(step2 == "wait", "one fetch at a time")
        let action = cursor.liveEvent(id(11))
        #expect(action == .hold)
    }

    @Test func aFetchedBatchIsWrittenInOrderThenTheHistoryFollowsFromItsEnd() {
        var cursor = ReplayCursor(lastID: id(2))
        _ = cursor.next(position: id(10), historyFloor: id(5), writable: true)
        let outcome = cursor.fetched(batch([id(3), id(7)], upTo: id(10)), allocator: allocator)
        #expect(outcome == .resume(firstGap: false))
        #expect(!cursor.awaitingFetch)
        let (written, stop) = drain(&cursor, position: id(12), floor: id(5))
        #expect(written == [id(3), id(7)])
        #expect(stop == "history 10-0", "everything of the channel up to the batch's end is done")
        #expect(cursor.lastSentID == id(10))
    }

    @Test func fetchedEventsTheSocketAlreadyHasAreSkipped() {
        var cursor = ReplayCursor(lastID: id(2))
        _ = cursor.next(position: id(10), historyFloor: id(5), writable: true)
        _ = cursor.fetched(batch([id(1), id(2), id(4)], upTo: id(10)), allocator: allocator)
        let drained = drain(&cursor, position: id(10), floor: id(5))
        #expect(drained.written == [id(4)])
    }

    @Test func aBatchEndBehindTheCursorDoesNotMoveItBack() {
        var cursor = ReplayCursor(lastID: id(2))
        _ = cursor.next(position: id(10), historyFloor: id(5), writable: true)
        _ = cursor.fetched(batch([id(12)], upTo: id(10)), allocator: allocator)
        let drained = drain(&cursor, position: id(12), floor: id(5))
        #expect(drained.written == [id(12)])
        #expect(drained.stop == "history 12-0")
    }

    @Test func aFullSendBufferPausesTheFetchedBatch() {
        var cursor = ReplayCursor(lastID: id(2))
        _ = cursor.next(position: id(10), historyFloor: id(5), writable: true)
        _ = cursor.fetched(batch([id(3), id(4)], upTo: id(10)), allocator: allocator)
        guard case .write(let first) = cursor.next(position: id(10), historyFloor: id(5), writable: true) else {
            Issue.record("expected a write")
            return
        }
        #expect(first.id == id(3))
        let step = cursor.next(position: id(10), historyFloor: id(5), writable: false).summary
        #expect(step == "wait")
        #expect(cursor.lastSentID == id(3), "the batch end is not claimed before its events are written")
        let drained = drain(&cursor, position: id(10), floor: id(5))
        #expect(drained.written == [id(4)])
        #expect(drained.stop == "history 10-0")
    }

    @Test func aStillTooOldCursorFetchesAgain() {
        var cursor = ReplayCursor(lastID: id(2))
        _ = cursor.next(position: id(10), historyFloor: id(5), writable: true)
        _ = cursor.fetched(batch([id(3)], upTo: id(10)), allocator: allocator)
        // Meanwhile the history moved past the batch's end.
        let drained = drain(&cursor, position: id(30), floor: id(20))
        #expect(drained.written == [id(3)])
        #expect(drained.stop == "fetch 10-0...30-0")
    }

    @Test func aPossibleGapIsReportedOncePerSocket() {
        var cursor = ReplayCursor(lastID: id(2))
        _ = cursor.next(position: id(10), historyFloor: id(50), writable: true)
        let outcome1 = cursor.fetched(batch([], upTo: id(10), gap: true), allocator: allocator)
        #expect(outcome1 == .resume(firstGap: true))
        let step = cursor.next(position: id(20), historyFloor: id(50), writable: true).summary
        #expect(step == "fetch 10-0...20-0")
        let outcome2 = cursor.fetched(batch([], upTo: id(20), gap: true), allocator: allocator)
        #expect(outcome2 == .resume(firstGap: false))
    }

    @Test func aFailedFetchClosesSoTheClientRetries() {
        var cursor = ReplayCursor(lastID: id(2))
        _ = cursor.next(position: id(10), historyFloor: id(5), writable: true)
        let outcome = cursor.fetchFailed()
        #expect(outcome == .closeAndRetry)
        #expect(!cursor.awaitingFetch)
    }

    @Test func completionsNobodyWaitsForAreIgnored() {
        var live = ReplayCursor(lastID: nil)
        let outcome1 = live.fetched(batch([id(3)], upTo: id(10)), allocator: allocator)
        #expect(outcome1 == .ignored)
        let outcome2 = live.fetchFailed()
        #expect(outcome2 == .ignored)
        var idle = ReplayCursor(lastID: id(2))
        let outcome3 = idle.fetched(batch([id(3)], upTo: id(10)), allocator: allocator)
        #expect(outcome3 == .ignored, "no fetch was asked for")
        #expect(idle.lastSentID == id(2))
    }

    @Test func closingDuringAFetchDropsItsResult() {
        var cursor = ReplayCursor(lastID: id(2))
        _ = cursor.next(position: id(10), historyFloor: id(5), writable: true)
        cursor.close()
        #expect(cursor.phase == .closed)
        #expect(!cursor.awaitingFetch)
        let outcome1 = cursor.fetched(batch([id(3)], upTo: id(10)), allocator: allocator)
        #expect(outcome1 == .ignored)
        let outcome2 = cursor.fetchFailed()
        #expect(outcome2 == .ignored)
        let step = cursor.next(position: id(10), historyFloor: id(5), writable: true).summary
        #expect(step == "wait")
    }

    @Test func closingDropsFetchedEventsNotYetWritten() {
        var cursor = ReplayCursor(lastID: id(2))
        _ = cursor.next(position: id(10), historyFloor: id(5), writable: true)
        _ = cursor.fetched(batch([id(3), id(4)], upTo: id(10)), allocator: allocator)
        cursor.close()
        let drained = drain(&cursor, position: id(10), floor: id(5))
        #expect(drained.written == [])
        #expect(drained.stop == "wait")
    }

    // MARK: - A last_id beyond the position

    /// A `last_id` from another Redis (or a recreated stream) is newer than anything the
    /// firehose will hold for a long time: the socket must not wait for it.
    @Test func aLastIDNewerThanTheFirehoseStartsFromThePosition() {
        var cursor = ReplayCursor(lastID: id(9_999_999))
        let step = cursor.next(position: id(10), historyFloor: id(5), writable: true).summary
        #expect(step == "fetch \(id(9_999_999))...\(id(10))", "asks Redis whether the firehose has it")
        #expect(cursor.next(position: id(10), historyFloor: id(5), writable: true).summary == "wait")
        let outcome = cursor.fetched(ReplayBatch(events: [], possibleGap: false, upTo: id(10), aheadOfFirehose: true), allocator: allocator)
        #expect(outcome == .resumeFromPosition)
        #expect(cursor.lastSentID == id(10))
        #expect(cursor.next(position: id(12), historyFloor: id(5), writable: true).summary == "history \(id(10))")
        cursor.historyWritten(writable: true)
        #expect(cursor.liveEvent(id(13)) == .write, "live events flow")
    }

    /// Another worker may simply have read further: the firehose has the id, the client
    /// has everything up to it, and nothing up to it is sent again.
    @Test func aLastIDAnotherWorkerReachedIsKept() {
        var cursor = ReplayCursor(lastID: id(12))
        #expect(cursor.next(position: id(10), historyFloor: id(5), writable: true).summary == "fetch \(id(12))...\(id(10))")
        let outcome = cursor.fetched(ReplayBatch(events: [], possibleGap: false, upTo: id(10)), allocator: allocator)
        #expect(outcome == .resume(firstGap: false))
        #expect(cursor.lastSentID == id(12))
        #expect(cursor.next(position: id(11), historyFloor: id(5), writable: true).summary == "history \(id(12))", "asked once only")
        cursor.historyWritten(writable: true)
        #expect(cursor.liveEvent(id(12)) == .skip)
        #expect(cursor.liveEvent(id(13)) == .write)
    }
}

extension ReplayCursor.Step {
    /// A comparable rendering for assertions (`DeliverableEvent` is not `Equatable`).
    var summary: String {
        switch self {
        case .wait: "wait"
        case .write(let event): "write \(event.id)"
        case .fetch(let after, let upTo): "fetch \(after)...\(upTo)"
        case .replayHistory(let after): "history \(after)"
        }
    }
}
