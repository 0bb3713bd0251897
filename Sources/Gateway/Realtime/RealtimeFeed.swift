import Events
import Logging
import MonotonicTime
import NIOConcurrencyHelpers
import NIOCore
import RedisStreams

/// Connects the worker to Superset 7's Pub/Sub channel: a `PubSubSubscriber` whose
/// messages are decoded on its thread (so the event loop only routes) and whose health
/// changes reach the hub in order with the messages.
enum RealtimeFeed {
    static func subscriber(endpoint: RedisEndpoint, channel: String, hub: NIOLoopBound<ChannelHub>, logger: Logger) -> PubSubSubscriber {
        let throttle = NIOLockedValueBox(OncePerKind())
        return PubSubSubscriber(
            endpoint: endpoint, channel: channel, logger: logger,
            subscribed: { hub.eventLoop.execute { hub.value.realtimeSubscribed() } },
            lost: { _ in hub.eventLoop.execute { hub.value.realtimeLost() } },
            message: { raw in
                switch RealtimeEnvelope.decode(raw) {
                case .success(let envelope):
                    hub.eventLoop.execute { hub.value.deliverRealtime(envelope, raw: raw) }
                case .failure(let error):
                    // Bad input is logged (throttled per kind) and skipped; it still takes
                    // a place in the id sequence, as it does in every worker.
                    if let leftOut = throttle.withLockedValue({ $0.admit(error.kind, at: MonotonicClock.milliseconds()) }) {
                        var metadata: Logger.Metadata = ["error": "\(error)"]
                        if leftOut > 0 { metadata["alike_not_logged"] = "\(leftOut)" }
                        logger.warning("skipping realtime message", metadata: metadata)
                    }
                    hub.eventLoop.execute { hub.value.realtimeSkipped(raw) }
                }
            })
    }
}
