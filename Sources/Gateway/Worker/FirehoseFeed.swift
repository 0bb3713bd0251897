import Events
import Foundation
import Logging
import MonotonicTime
import NIOConcurrencyHelpers
import NIOCore
import RedisStreams

/// Connects the worker to the firehose: a `FirehoseReader` started at the stream's newest
/// entry resolves `$`, and the feed hands the position and the entries before it (the
/// history's warm-up) to the hub, then each batch read after it. Until Redis answers the
/// reader retries with back-off while the worker already serves `/health` and accepts
/// sockets.
///
/// Entries are encoded (JSON compaction and WebSocket framing) here, on the reader's
/// thread, so the event loop only routes ready frames. The reader waits until the loop
/// has delivered each batch: that is the flow control between Redis and the sockets.
/// When the firehose is trimmed past the reader, the feed names the channels of this
/// worker's sockets to recover the gap from, and the hub restarts its history after it.
final class FirehoseFeed: ThreadLifecycle {
    private let reader: FirehoseReader
    /// When the loop last started a turn of delivering a batch: while it does, the reader
    /// waits on it without reading, and is not stuck (a large fan-out takes many turns).
    private let deliveryProgress: NIOLockedValueBox<UInt64>

    init(endpoint: RedisEndpoint, streamPrefix: String, count: Int, blockMs: Int, warmCount: Int, hub: NIOLoopBound<ChannelHub>, logger: Logger) {
        let loop = hub.eventLoop
        let progress = NIOLockedValueBox<UInt64>(0)
        let encoder = Encoder(logger: logger)
        deliveryProgress = progress
        reader = FirehoseReader(
            endpoint: endpoint, stream: streamPrefix + "full", start: .newest(warmCount: warmCount), count: count,
            blockMs: blockMs, logger: logger,
            observer: { event in
                guard case .trimmed(let gap) = event else { return }
                loop.execute { hub.value.firehoseTrimmed(gap) }
            },
            resolved: { origin in
                let warm = origin.warm.compactMap(encoder.encode)
                hub.eventLoop.execute { hub.value.start(position: origin.position, warm: warm) }
            },
            gapStreams: {
                // The channels this worker has sockets for, read on its loop.
                (try? loop.submit { hub.value.registry.channels.keys.map { streamPrefix + $0 } }.wait()) ?? []
            },
            deliver: { entries in
                let batch = entries.compactMap(encoder.encode)
                let malformed = entries.count - batch.count
                let done = hub.eventLoop.makePromise(of: Void.self)
                hub.eventLoop.execute {
                    hub.value.entriesSkipped(malformed)
                    hub.value.dispatch(batch, done: done) {
                        progress.withLockedValue { $0 = MonotonicClock.nanoseconds() }
                    }
                }
                try? done.futureResult.wait()
            })
    }

    /// Redis state for heartbeats: "connecting" until `$` is resolved, then the reader's.
    var state: String {
        reader.state.description
    }

    /// Milliseconds since the reader last completed a read (or since bootstrap began):
    /// the supervisor treats a large value as a hung reader.
    func progressAgeMs(now: UInt64 = MonotonicClock.nanoseconds()) -> Int64 {
        let last = max(reader.lastProgress, deliveryProgress.withLockedValue { $0 })
        return last == 0 || now < last ? 0 : Int64((now - last) / 1_000_000)
    }

    /// Redis errors of the firehose reader so far (not counting its first connect).
    var redisErrors: Int {
        reader.errors
    }

    func start() {
        reader.start()
    }

    func stop() {
        reader.stop()
    }

    @discardableResult
    func join(timeoutMs: Int?) -> Bool {
        reader.join(timeoutMs: timeoutMs)
    }

    /// Encodes entries for the wire, or skips them: each kind of malformed entry is
    /// logged when it first appears, then at most once a minute with a count
    /// (`OncePerKind`); `ws_malformed_entries` counts every one.
    private struct Encoder: Sendable {
        let logger: Logger
        let allocator = ByteBufferAllocator()
        let throttle = NIOLockedValueBox(OncePerKind())

        func encode(_ entry: StreamEntry) -> DeliverableEvent? {
            switch EventEncoder.encode(entry) {
            case .success(let event):
                return DeliverableEvent(event, allocator: allocator)
            case .failure(let error):
                let now = MonotonicClock.milliseconds()
                if let leftOut = throttle.withLockedValue({ $0.admit(error.kind, at: now) }) {
                    var metadata: Logger.Metadata = ["id": "\(entry.id)", "error": "\(error)"]
                    if leftOut > 0 { metadata["alike_not_logged"] = "\(leftOut)" }
                    logger.warning("skipping malformed stream entry", metadata: metadata)
                }
                return nil
            }
        }
    }
}
