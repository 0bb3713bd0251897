import DequeModule
import Events

/// The recent firehose, in memory, indexed by channel: the source of most replays.
///
/// It holds the newest firehose entries, bounded by count and by bytes. Its invariant:
/// every firehose entry with an id greater than `floor`, up to the newest appended, is
/// held. So a `last_id` at or above `floor` can be replayed from memory alone, and only
/// an older one needs Redis. Every worker keeps one for all channels (not only its own),
/// because a browser may reconnect to any worker.
struct ReplayHistory {
    let maxEvents: Int
    let maxBytes: Int

    private var order: Deque<(channelID: String, bytes: Int)> = []
    private var byChannel: [String: Deque<DeliverableEvent>] = [:]
    private(set) var floor: StreamID
    private(set) var totalBytes = 0

    init(maxEvents: Int, maxBytes: Int, floor: StreamID = .zero) {
        self.maxEvents = max(0, maxEvents)
        self.maxBytes = max(0, maxBytes)
        self.floor = floor
    }

    var count: Int { order.count }

    /// Starts over at a known firehose position: nothing before `floor` is claimed.
    mutating func reset(floor: StreamID) {
        order.removeAll()
        byChannel.removeAll()
        totalBytes = 0
        self.floor = floor
    }

    /// Appends the next firehose entry (ids must increase) and evicts the oldest while
    /// over a bound; each eviction raises `floor`.
    mutating func append(_ event: DeliverableEvent) {
        guard maxEvents > 0 else {
            floor = max(floor, event.id)
            return
        }
        let bytes = event.frame.readableBytes + event.channelID.utf8.count + 64
        order.append((event.channelID, bytes))
        byChannel[event.channelID, default: []].append(event)
        totalBytes += bytes
        while order.count > maxEvents || (totalBytes > maxBytes && order.count > 1) {
            evictOldest()
        }
    }

    /// O(1): the channel's queue is changed in place through the dictionary. (Taking it
    /// out with `guard var list = byChannel[…]` copied the whole queue per eviction, since
    /// the dictionary still held it: one hot channel then cost O(history) per event,
    /// 13 s of worker CPU for 20,000 events in a held-out run.)
    private mutating func evictOldest() {
        guard let oldest = order.popFirst() else { return }
        totalBytes -= oldest.bytes
        guard let event = byChannel[oldest.channelID]?.popFirst() else { return }
        floor = max(floor, event.id)
        if byChannel[oldest.channelID]?.isEmpty == true { byChannel[oldest.channelID] = nil }
    }

    /// True when every entry after `id` is held, so a replay after `id` needs no Redis.
    func covers(after id: StreamID) -> Bool {
        id >= floor
    }

    /// The held events of a channel with ids greater than `id`, oldest first.
    func events(for channelID: String, after id: StreamID) -> [DeliverableEvent] {
        guard let list = byChannel[channelID] else { return [] }
        // Binary search for the first event newer than `id`.
        var low = 0
        var high = list.count
        while low < high {
            let mid = (low + high) / 2
            if list[mid].id <= id { low = mid + 1 } else { high = mid }
        }
        return Array(list[low...])
    }
}
