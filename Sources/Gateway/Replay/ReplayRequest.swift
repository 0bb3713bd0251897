import Events

/// One socket's fetch, from `RedisReplaySource.fetch` until its completion is called:
/// what it asked for, where its firehose scan must begin, and what was found so far.
/// Touched only under the replay source's lock, or by the one thread working on it.
final class ReplayRequest {
    let channelID: String
    /// Only events newer than this (the socket's `last_id`, or where its cursor stands).
    let after: StreamID
    /// Only events up to this (the worker's position when the fetch was asked).
    let upTo: StreamID
    let ticket: ReplayTicket
    private let completion: @Sendable (Result<ReplayBatch, any Error>) -> Void
    /// The first firehose id its scan must read: planning moves it forward past what
    /// the channel cannot have (`ReplayPlanner`).
    var start: StreamID
    /// The only stretches of the firehose that can hold its channel's events, sorted and
    /// apart, when the planner could tell (from the channel stream); nil: all of
    /// `start...upTo`. The scan does not read between them.
    var windows: [ClosedRange<StreamID>]?
    /// The channel's events found so far, oldest first.
    var events: [EncodedEvent] = []
    var possibleGap = false
    /// The batch decided without a scan (a `last_id` beyond the position), if any.
    var decided: ReplayBatch?

    init(channelID: String, after: StreamID, upTo: StreamID, ticket: ReplayTicket,
         completion: @escaping @Sendable (Result<ReplayBatch, any Error>) -> Void) {
        self.channelID = channelID
        self.after = after
        self.upTo = upTo
        self.ticket = ticket
        self.completion = completion
        self.start = after.successor
    }

    /// Forgets what an earlier, failed planning attempt found.
    func resetPlan() {
        start = after.successor
        windows = nil
        events.removeAll()
        possibleGap = false
        decided = nil
    }

    /// The first stretch of ids at or after `id` it still needs read, or nil when it
    /// needs nothing more.
    func needed(from id: StreamID) -> ClosedRange<StreamID>? {
        let low = max(id, start)
        guard low <= upTo else { return nil }
        guard let windows else { return low...upTo }
        for window in windows where window.upperBound >= low {
            let from = max(low, window.lowerBound)
            let to = min(window.upperBound, upTo)
            if from <= to { return from...to }
            if window.lowerBound > upTo { break }
        }
        return nil
    }

    /// Keeps a firehose event of its channel if it falls in its range.
    func offer(_ event: EncodedEvent) {
        guard event.id > after, event.id >= start, event.id <= upTo else { return }
        events.append(event)
    }

    /// What was found, as the batch the hub receives.
    var batch: ReplayBatch {
        ReplayBatch(events: events, possibleGap: possibleGap, upTo: upTo)
    }

    func succeed() { completion(.success(decided ?? batch)) }
    func fail(_ error: any Error) { completion(.failure(error)) }
}

/// Why a request ended without a batch.
enum ReplayCancelled: Error, CustomStringConvertible {
    /// Its socket closed (its ticket was cancelled).
    case socketClosed
    /// The replay source is stopping.
    case stopped

    var description: String {
        switch self {
        case .socketClosed: "replay cancelled: the socket closed"
        case .stopped: "replay service stopped"
        }
    }
}
