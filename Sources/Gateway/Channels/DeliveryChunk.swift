/// Up to `eventYieldBatchSize` firehose events of a batch, grouped by channel, with the
/// sockets each channel had when the chunk was taken: the unit the hub writes socket by
/// socket (`ChannelHub.dispatch`).
///
/// Socket-major, as the ceiling server writes: each socket gets all of its channel's
/// events of the chunk in a row, then one flush. Going event by event over a large
/// channel instead touched every socket's channel, pipeline and write queue once per
/// event, so for a broadcast each of them left the cache between two writes.
struct DeliveryChunk {
    struct Group {
        let sockets: [SocketSession]
        var events: [DeliverableEvent]
    }

    /// The channels with sockets, in the order their first event came.
    private(set) var groups: [Group] = []
    /// The batch index after the chunk's last event.
    let end: Int
    /// Where the next turn resumes: a group, and a socket in it.
    private(set) var nextGroup = 0
    var nextSocket = 0
    /// Whether a socket got any of the current group's events (its latency is recorded).
    var groupDelivered = false
    /// A group's index by its channel's first socket: a socket listens to one channel,
    /// and the registry does not change while a chunk is taken, so this names the
    /// channel without hashing its id a second time per event.
    private var groupOf: [ObjectIdentifier: Int] = [:]

    init(end: Int) {
        self.end = end
    }

    var isWritten: Bool { nextGroup >= groups.count }

    mutating func nextGroupStarts() {
        nextGroup += 1
        nextSocket = 0
        groupDelivered = false
    }

    /// Adds an event to its channel's group. `sockets` is the registry's lookup, called
    /// once per event that does not continue a run of its channel (empty: nobody here
    /// listens, the event is only history).
    mutating func add(_ event: DeliverableEvent, sockets: (String) -> [SocketSession]) {
        // A run of one channel's events (a broadcast) needs no lookup.
        if let last = groups.indices.last, groups[last].events.last?.channelID == event.channelID {
            groups[last].events.append(event)
            return
        }
        let listeners = sockets(event.channelID)
        guard let first = listeners.first else { return }
        if let index = groupOf[ObjectIdentifier(first)] {
            groups[index].events.append(event)
            return
        }
        groupOf[ObjectIdentifier(first)] = groups.count
        groups.append(Group(sockets: listeners, events: [event]))
    }
}
