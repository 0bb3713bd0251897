import Events
import RedisStreams
import Testing

@testable import RedisStreams

/// The trim check's arithmetic, without Redis: which gap a turn reveals, how many entries
/// it lost, and which recovered entries are delivered.
struct FirehoseGapTests {
    static func id(_ ms: UInt64, _ seq: UInt64 = 0) -> StreamID { StreamID(milliseconds: ms, sequence: seq) }

    static func entry(_ id: StreamID, _ data: String) -> StreamEntry {
        StreamEntry(id: id, fields: [StreamField(name: "data", value: data)])
    }

    /// XINFO STREAM of a stream whose entries were added with ids 1…added (ms), of which
    /// the oldest `added - length` were trimmed (or `first` says otherwise).
    static func info(added: Int64, length: Int64, deleted: StreamID = .zero, first: StreamID? = nil) -> StreamInfo {
        StreamInfo(
            lastGeneratedID: id(UInt64(added)), removedEntries: added - length, maxDeletedID: deleted,
            firstEntryID: first ?? (length > 0 ? id(UInt64(added - length + 1)) : nil), entriesAdded: added)
    }

    /// A ledger that has passed everything up to `at`, having drained the stream there.
    static func caughtUp(at: Int64) -> FirehoseLedger {
        var ledger = FirehoseLedger()
        _ = ledger.turn(after: id(UInt64(at)), info: info(added: at, length: at), read: 0, limit: 10)
        return ledger
    }

    @Test func aTrimPastTheReaderIsAGapUpToTheFirstEntryLeftWithItsCount() {
        var ledger = Self.caughtUp(at: 11)
        #expect(ledger.passed == 11)
        // 31 more added; the oldest 40 trimmed; 2 left (41, 42): 29 of them never read.
        let gap = ledger.turn(after: Self.id(11), info: Self.info(added: 42, length: 2), read: 2, limit: 10)
        #expect(gap?.after == Self.id(11) && gap?.through == Self.id(40, .max))
        #expect(gap?.removedEntries == 29)
        #expect(ledger.passed == 42, "everything up to the last-generated id is read or gone")
    }

    @Test func aStreamTrimmedToNothingIsAGapUpToItsLastGeneratedID() {
        var ledger = Self.caughtUp(at: 10)
        let gap = ledger.turn(after: Self.id(10), info: Self.info(added: 30, length: 0), read: 0, limit: 10)
        #expect(gap?.through == Self.id(30) && gap?.removedEntries == 20)
        var fresh = FirehoseLedger()
        let unknown = fresh.turn(after: Self.id(10), info: Self.info(added: 30, length: 0), read: 0, limit: 10)
        #expect(unknown?.through == Self.id(30) && unknown?.removedEntries == nil, "certain even without a count")
    }

    @Test func trimsOfWhatTheReaderHadReadAreNoGap() {
        var ledger = Self.caughtUp(at: 20)
        // 5 more added, the oldest 15 trimmed: all of them were read.
        #expect(ledger.turn(after: Self.id(20), info: Self.info(added: 25, length: 10), read: 5, limit: 10) == nil)
        #expect(ledger.passed == 25)
        // A full batch (more may follow): the count moves by what was read.
        #expect(ledger.turn(after: Self.id(25), info: Self.info(added: 60, length: 45), read: 10, limit: 10) == nil)
        #expect(ledger.passed == 35)
    }

    @Test func aReaderThatNeverDrainedTheStreamSeesOnlyCertainGaps() {
        var ledger = FirehoseLedger()
        // Started at 0-0 on a stream whose first entry is id 5 (never trimmed: 0 removed).
        #expect(ledger.turn(after: .zero, info: Self.info(added: 9, length: 9, first: Self.id(5)), read: 3, limit: 3) == nil)
        // Behind, with trims it cannot count: only an XDEL ahead of it is certain.
        #expect(ledger.turn(after: Self.id(7), info: Self.info(added: 90, length: 50), read: 3, limit: 3) == nil)
        let deleted = ledger.turn(after: Self.id(7), info: Self.info(added: 90, length: 50, deleted: Self.id(20)), read: 3, limit: 3)
        #expect(deleted?.through == Self.id(20) && deleted?.removedEntries == nil)
        #expect(FirehoseLedger().passed == nil)
        var old = FirehoseLedger()
        let redis6 = StreamInfo(lastGeneratedID: Self.id(90), removedEntries: nil, maxDeletedID: nil, firstEntryID: Self.id(50))
        #expect(old.turn(after: Self.id(7), info: redis6, read: 3, limit: 3) == nil, "Redis 6 cannot say")
        #expect(old.turn(after: Self.id(7), info: nil, read: 0, limit: 3) == nil, "no stream")
    }

    @Test func aFirehoseThatDidNotExistYetMakesTheCountExact() {
        var ledger = FirehoseLedger()
        // A fresh Redis: no stream when the read began; the read returned its first 2.
        #expect(ledger.turn(after: .zero, info: nil, read: 2, limit: 10) == nil)
        #expect(ledger.passed == 2)
        // 30 more added and all trimmed before the next turn: 30 lost unread.
        let gap = ledger.turn(after: Self.id(2), info: Self.info(added: 32, length: 0), read: 0, limit: 10)
        #expect(gap?.through == Self.id(32) && gap?.removedEntries == 30)
    }

    @Test func anXDELInTheMiddleCountsOnlyTheWindowBeforeTheFirstEntryLeft() {
        var ledger = FirehoseLedger()
        // Entries up to 20 gone, 25 XDELed, 21… still there: the gap ends before 21.
        let gap = ledger.turn(after: Self.id(10), info: Self.info(added: 40, length: 19, deleted: Self.id(25), first: Self.id(21)), read: 3, limit: 3)
        #expect(gap?.through == Self.id(20, .max))
        // At the first entry left already: what was deleted is read around.
        var atFirst = FirehoseLedger()
        #expect(atFirst.turn(after: Self.id(20, 5), info: Self.info(added: 40, length: 19, deleted: Self.id(25), first: Self.id(20, 6)), read: 3, limit: 3) == nil)
    }

    @Test func mergeTakesTheGapsMillisecondsLeavesOutWhatWasOrWillBeDeliveredAndRenumbers() {
        let gap = FirehoseGap(after: Self.id(10, 3), through: Self.id(30, 2))
        #expect(gap.channelRange.from == Self.id(10, 0) && gap.channelRange.to == Self.id(30, .max))
        let recovered = [
            Self.entry(Self.id(9, 9), "before"), Self.entry(Self.id(10, 0), "had"), Self.entry(Self.id(10, 1), "a"),
            Self.entry(Self.id(20), "b"), Self.entry(Self.id(30, 7), "x"), Self.entry(Self.id(30, 8), "c"),
            Self.entry(Self.id(31), "late"),
        ]
        // "had" was delivered from the firehose at 10-3; "x" was written to its channel stream
        // before the trim and to the firehose after it.
        let merged = FirehoseGap.merge(
            recovered, within: gap, delivered: [Self.entry(Self.id(10, 3), "had")], following: [Self.entry(Self.id(32), "x")])
        #expect(Self.values(merged) == ["a", "b", "c"])
        #expect(merged.map(\.id) == [Self.id(10, 4), Self.id(10, 5), Self.id(10, 6)], "the gap's next ids, in order")
        // Two identical events, one of which survived: the other is still delivered.
        let twice = FirehoseGap.merge(
            [Self.entry(Self.id(11), "x"), Self.entry(Self.id(12), "x")], within: gap, delivered: [], following: [Self.entry(Self.id(32), "x")])
        #expect(Self.values(twice) == ["x"])
        // Never past the gap's end: a window of one id takes one event.
        let narrow = FirehoseGap(after: Self.id(10, 3), through: Self.id(10, 4))
        #expect(FirehoseGap.merge(recovered, within: narrow, delivered: [], following: []).map(\.id) == [Self.id(10, 4)])
    }

    @Test func theDeliveredTailKeepsThePositionsMillisecond() {
        var tail = DeliveredTail()
        tail.delivered([Self.entry(Self.id(5, 0), "a"), Self.entry(Self.id(6, 0), "b")])
        tail.delivered([Self.entry(Self.id(6, 1), "c")])
        #expect(Self.values(tail.entries) == ["b", "c"])
        tail.delivered([Self.entry(Self.id(7, 0), "d")])
        #expect(Self.values(tail.entries) == ["d"])
    }

    static func values(_ entries: [StreamEntry]) -> [String] {
        entries.map { String(decoding: $0.fields[0].value, as: UTF8.self) }
    }
}
