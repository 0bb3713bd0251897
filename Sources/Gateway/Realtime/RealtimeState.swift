import Events
import NIOCore

/// The hub's realtime side (issue 13): whether the worker's Pub/Sub subscriber is
/// healthy, its realtime sockets, their resume buffer and the message ids.
struct RealtimeState {
    var subscriberHealthy = false
    var buffer: RealtimeBuffer
    var ids = RealtimeMessageID()
    /// Every open realtime socket (broadcasts go to all of them).
    var sessions: [ObjectIdentifier: SocketSession] = [:]
    var metrics: RealtimeMetrics

    init(bufferMaxMessages: Int, bufferMaxBytes: Int, metrics: RealtimeMetrics) {
        buffer = RealtimeBuffer(maxMessages: bufferMaxMessages, maxBytes: bufferMaxBytes)
        self.metrics = metrics
    }
}
