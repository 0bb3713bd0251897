import DequeModule
import Events
import NIOCore

/// One browser socket. Confined to the worker's event loop: only the hub and the
/// socket's own handler touch it, both on that loop.
final class SocketSession {
    enum Phase {
        /// Catching up from `lastSentID` (fetched events, then the hub's history) as fast
        /// as the socket takes them, never past its send buffer: a replay never arrives
        /// after newer events, and a long replay cannot trip the slow-consumer cap.
        case replaying
        /// Every new event is written as it comes.
        case live
        /// A close frame was sent; nothing more is written.
        case closing
        case closed
    }

    /// The socket id: also the payload of its pings.
    let id: String
    let idBytes: [UInt8]
    let channelID: String
    let channel: any Channel
    var lastSeen: NIODeadline
    /// The newest event id this socket has received (or its `last_id`): anything not
    /// newer is never sent again. This is what makes replay and live meet exactly.
    var lastSentID: StreamID?
    var phase: Phase = .live
    /// While replaying: events fetched from Redis, not yet written, oldest first.
    var fetched: Deque<DeliverableEvent> = []
    /// The firehose position the last fetch reached: once `fetched` is written, the
    /// socket has everything of its channel up to here.
    var fetchedUpTo: StreamID?
    /// While replaying: a fetch from Redis is under way.
    var awaitingFetch = false
    /// Set once a possible replay gap has been counted and logged: once per socket.
    var gapLogged = false
    var needsFlush = false
    /// Its index in its channel's list in the registry (-1: not registered), so that
    /// removing it costs O(1) however many tabs share the channel.
    var registrySlot = -1
    /// Which step of the hub's staggered liveness sweep checks this socket.
    var pingBucket = 0

    init(id: String, channelID: String, channel: any Channel, now: NIODeadline) {
        self.id = id
        self.idBytes = Array(id.utf8)
        self.channelID = channelID
        self.channel = channel
        self.lastSeen = now
    }

    var isOpen: Bool {
        switch phase {
        case .replaying, .live: true
        case .closing, .closed: false
        }
    }

    /// Writes an event unless the socket already has it. Returns whether it was written.
    @discardableResult
    func send(_ event: DeliverableEvent) -> Bool {
        if let lastSentID, event.id <= lastSentID { return false }
        lastSentID = event.id
        channel.write(event.frame, promise: nil)
        needsFlush = true
        return true
    }

    func clearReplay() {
        fetched.removeAll()
        fetchedUpTo = nil
        awaitingFetch = false
    }

    func flushIfNeeded() {
        guard needsFlush else { return }
        needsFlush = false
        channel.flush()
    }
}
