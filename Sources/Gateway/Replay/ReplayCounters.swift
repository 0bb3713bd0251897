import NIOConcurrencyHelpers

/// What a replay source has done, counted from its threads: how many requests it
/// planned, how many firehose pages it read for them, how many it dropped because
/// their sockets closed. Shared firehose reads show as far fewer pages than requests.
public final class ReplayCounters: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var requestsPlanned = 0
        public var firehosePages = 0
        public var requestsCancelled = 0
    }

    private let box = NIOLockedValueBox(Snapshot())

    public var snapshot: Snapshot { box.withLockedValue { $0 } }

    func planned(_ count: Int) { box.withLockedValue { $0.requestsPlanned += count } }
    func paged() { box.withLockedValue { $0.firehosePages += 1 } }
    func cancelled(_ count: Int) { box.withLockedValue { $0.requestsCancelled += count } }
}
