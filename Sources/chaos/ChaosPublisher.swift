import Events
import Foundation
import NIOConcurrencyHelpers
import RedisStreams
import TestSupport

/// Publishes as a busy Superset does, on a thread of its own: a steady rate over every
/// channel, pipelined per 10 ms tick; every `burstEvery` seconds one event for each of
/// `burstSize` channels in one round trip (many channels' events in one millisecond); and,
/// during the hot windows of `hot`, a stream of large error events on each hot channel. Every event goes to
/// `<prefix><channel>` and then `<prefix>full`, `XADD … * data <json.dumps>`.
///
/// When Redis is down (a restart, a crash) it reconnects with a short back-off and goes
/// on; what Redis acknowledged or not is not tracked here: the truth is the firehose.
final class ChaosPublisher: Sendable {
    struct Counts: Sendable {
        var events = 0
        var bursts = 0
        var failures = 0
    }

    private let endpoint: RedisEndpoint
    private let channels: [String]
    private let hotChannels: [String]
    private let options: ChaosOptions
    private let hot: HotSchedule
    private let state = NIOLockedValueBox((counts: Counts(), stop: false))
    private let finished = DispatchSemaphore(value: 0)

    init(endpoint: RedisEndpoint, channels: [String], hotChannels: [String], hot: HotSchedule, options: ChaosOptions) {
        self.endpoint = endpoint
        self.hot = hot
        self.channels = channels
        self.hotChannels = hotChannels
        self.options = options
    }

    var counts: Counts { state.withLockedValue { $0.counts } }

    /// Publishes `count` events over the channels at once (before clients connect).
    func warmUp(count: Int) throws {
        let publisher = try SupersetPublisher(endpoint: endpoint)
        var generator = SystemRandomNumberGenerator()
        var left = count
        while left > 0 {
            let batch = (0..<min(500, left)).map { _ in channels.randomElement(using: &generator)! }
            let ids = try publisher.publishBurst(channels: batch)
            state.withLockedValue { $0.counts.events += ids.count }
            left -= batch.count
        }
    }

    /// Publishes until `stop()` or `seconds` have passed.
    func start(seconds: Double) {
        let thread = Thread { [self] in
            run(seconds: seconds)
            finished.signal()
        }
        thread.name = "chaos-publisher"
        thread.start()
    }

    func stop() {
        state.withLockedValue { $0.stop = true }
    }

    func join() {
        finished.wait()
    }

    private var stopped: Bool { state.withLockedValue { $0.stop } }

    private func run(seconds: Double) {
        var random = SeededRandom(seed: options.seed &+ 1)
        let begin = Date()
        let tick = 0.010
        var steadyDue = 0.0
        var hotDue = 0.0
        var nextBurst = options.burstEvery
        var publisher: SupersetPublisher?
        var pending: [(channel: String, value: String)] = []
        func nextJob() -> String { UUID().uuidString.lowercased() }
        while !stopped {
            let elapsed = Date().timeIntervalSince(begin)
            if elapsed >= seconds { break }
            if pending.isEmpty {
                steadyDue += options.rate * tick
                if hot.isHot(at: .now) { hotDue += options.hotRate * tick }
                while steadyDue >= 1 {
                    steadyDue -= 1
                    let channel = channels[random.next(below: channels.count)]
                    let status = random.next(below: 10) == 0 ? "error" : "done"
                    pending.append((channel, SupersetEvent.json(channel: channel, job: nextJob(), status: status)))
                }
                while hotDue >= 1 {
                    hotDue -= 1
                    for channel in hotChannels {
                        pending.append((channel, ChaosEventPayload.failedQuery(channel: channel, job: nextJob(), bytes: options.hotEventBytes)))
                    }
                }
                if elapsed >= nextBurst {
                    nextBurst += options.burstEvery
                    let burst = random.sample(channels, count: min(options.burstSize, channels.count))
                    pending += burst.map { ($0, SupersetEvent.json(channel: $0, job: nextJob())) }
                    state.withLockedValue { $0.counts.bursts += 1 }
                }
            }
            do {
                if publisher == nil { publisher = try SupersetPublisher(endpoint: endpoint) }
                if !pending.isEmpty {
                    let ids = try publisher!.publishPipelined(pending)
                    state.withLockedValue { $0.counts.events += ids.count }
                    pending.removeAll(keepingCapacity: true)
                }
            } catch {
                // Redis is restarting: keep what is due and try again shortly (Superset's
                // Celery workers would retry the task too).
                publisher = nil
                state.withLockedValue { $0.counts.failures += 1 }
                usleep(50_000)
                continue
            }
            // Pacing: the next tick.
            let next = begin.addingTimeInterval((Date().timeIntervalSince(begin) / tick).rounded(.down) * tick + tick)
            let wait = next.timeIntervalSinceNow
            if wait > 0 { usleep(useconds_t(wait * 1_000_000)) }
        }
    }
}

/// Event values as Superset writes them (`json.dumps`: `": "` and `", "`).
enum ChaosEventPayload {
    /// A failed chart query: Superset's error payload, padded to about `bytes` with the
    /// kind of long SQL error message a database returns.
    static func failedQuery(channel: String, job: String, bytes: Int) -> String {
        let detail = String(repeating: "column \\\"x\\\" does not exist; ", count: max(1, bytes / 32))
        return "{\"channel_id\": \"\(channel)\", \"job_id\": \"\(job)\", \"user_id\": \"1\", \"status\": \"error\", "
            + "\"errors\": [{\"message\": \"(psycopg2.errors.UndefinedColumn) \(detail)\", \"error_type\": \"GENERIC_DB_ENGINE_ERROR\", "
            + "\"level\": \"error\", \"extra\": {\"engine_name\": \"PostgreSQL\", \"issue_codes\": [{\"code\": 1002, "
            + "\"message\": \"Issue 1002 - The database returned an unexpected error.\"}]}}], \"result_url\": null}"
    }
}
