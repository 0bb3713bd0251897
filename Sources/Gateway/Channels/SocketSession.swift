import Events
import NIOCore

/// One browser socket. Confined to the worker's event loop: only the hub and the
/// socket's own handler touch it, both on that loop.
final class SocketSession {
    /// The socket id: also the payload of its pings (`SocketIDs` keeps it short enough
    /// to live inside the `String`, with no allocation per socket).
    let id: String
    let channelID: String
    let channel: any Channel
    var lastSeen: NIODeadline
    /// Its replay (or live) state; changed only through the cursor's transitions.
    var cursor = ReplayCursor(lastID: nil)
    /// While the socket's `WebSocketSessionHandler` is in the pipeline, the context events
    /// are written from (the pipeline's first handler's): the frames are bytes already,
    /// so they go straight to the channel's head instead of through the whole pipeline
    /// from its tail.
    var outbound: ChannelHandlerContext?
    /// Bytes written since the last flush (a frame is never empty: its header alone is
    /// 2 bytes, so this is 0 exactly when nothing waits for a flush).
    private(set) var unflushedBytes = 0
    var needsFlush: Bool { unflushedBytes > 0 }
    /// The fetch from Redis under way for its replay, if any: cancelled when it closes.
    var replayTicket: ReplayTicket?
    /// Set for a Superset 7 realtime socket (nil: a streams socket).
    var realtime: RealtimeBinding?
    /// Its index in its channel's list in the registry (-1: not registered), so that
    /// removing it costs O(1) however many tabs share the channel.
    var registrySlot = -1
    /// Which step of the hub's staggered liveness sweep checks this socket, and its index
    /// in that step's list (-1: not in the sweep).
    var pingBucket = 0
    var pingSlot = -1

    init(id: String, channelID: String, channel: any Channel, now: NIODeadline) {
        self.id = id
        self.channelID = channelID
        self.channel = channel
        self.lastSeen = now
    }

    var isOpen: Bool { cursor.isOpen }

    /// Writes an event unless the socket already has it. Returns whether it was written.
    @discardableResult
    func send(_ event: DeliverableEvent) -> Bool {
        guard cursor.advance(to: event.id) else { return false }
        write(event)
        return true
    }

    /// Writes an event the cursor has already moved past.
    func write(_ event: DeliverableEvent) {
        if let outbound {
            outbound.write(NIOAny(event.frame), promise: nil)
        } else {
            channel.write(event.frame, promise: nil)
        }
        unflushedBytes += event.frame.readableBytes
    }

    func flushIfNeeded() {
        guard needsFlush else { return }
        unflushedBytes = 0
        if let outbound { outbound.flush() } else { channel.flush() }
    }
}
