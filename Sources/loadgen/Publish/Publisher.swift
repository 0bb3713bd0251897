import Foundation
import Events
import MonotonicTime
import RedisStreams

/// Writes events exactly as Superset's Flask app does: the same `data` value `XADD`ed to
/// `<prefix><channel>` (MAXLEN ~1000) and then to `<prefix>full` (MAXLEN ~1000000).
/// Event `i` goes to channel `prefix + (firstChannel + i) % channels` and carries its
/// publish time (`BenchEvent`).
///
/// Unpipelined (`pipeline` 1, Superset's own pattern: two round trips per event), or
/// `pipeline` events per round trip. With `rate` > 0, batches are paced so that event `i`
/// leaves no earlier than `i / rate` seconds after the start.
struct Publisher {
    struct Plan: Sendable {
        var count: Int
        var channels: Int
        var firstChannel = 0
        var channelPrefix = "bench-"
        var streamPrefix = "async-events-"
        var pipeline = 1
        var rate = 0.0
    }

    struct Report: Codable, Sendable {
        var published = 0
        var startNs: UInt64 = 0
        var endNs: UInt64 = 0
        var firstID = ""
        var lastID = ""
    }

    let connection: RedisConnection

    init(endpoint: RedisEndpoint) throws {
        connection = RedisConnection(endpoint: endpoint)
        try connection.connect()
    }

    func close() { connection.close() }

    /// The firehose's newest id (`0-0` when empty): a `last_id` "just before what comes next".
    func newestFirehoseID(streamPrefix: String = "async-events-") throws -> String {
        try connection.xrevrange(stream: streamPrefix + "full", count: 1).first.map { "\($0.id)" } ?? "0-0"
    }

    /// Event `i`'s two `XADD`s, as Superset sends them: to its channel stream, then to the firehose.
    static func commands(forEvent i: Int, of plan: Plan, publishedAtNs: UInt64) -> [[[UInt8]]] {
        let channel = plan.channelPrefix + String((plan.firstChannel + i) % max(1, plan.channels))
        let data = [StreamField(name: "data", value: BenchEvent.json(channel: channel, publishedAtNs: publishedAtNs, sequence: UInt64(i)))]
        return [
            StreamCommand.xadd(stream: plan.streamPrefix + channel, id: nil, fields: data, maxlenApprox: 1_000),
            StreamCommand.xadd(stream: plan.streamPrefix + "full", id: nil, fields: data, maxlenApprox: 1_000_000),
        ]
    }

    func run(_ plan: Plan) throws -> Report {
        var report = Report()
        let batch = max(1, plan.pipeline)
        let start = MonotonicClock.nanoseconds()
        report.startNs = BenchClock.nowNs()
        var sequence = 0
        while sequence < plan.count {
            if plan.rate > 0 {
                let due = start + UInt64(Double(sequence) / plan.rate * 1e9)
                let now = MonotonicClock.nanoseconds()
                if due > now { usleep(UInt32(min((due - now) / 1_000, 1_000_000))); continue }
            }
            let n = min(batch, plan.count - sequence)
            var commands: [[[UInt8]]] = []
            commands.reserveCapacity(2 * n)
            let now = BenchClock.nowNs()
            for k in 0..<n {
                commands += Self.commands(forEvent: sequence + k, of: plan, publishedAtNs: now)
            }
            let replies: [RedisReply]
            if n == 1 {
                // Superset's own pattern: one XADD, its reply, then the next.
                replies = [try connection.command(commands[0]), try connection.command(commands[1])]
            } else {
                replies = try connection.pipeline(commands)
            }
            if report.firstID.isEmpty, let id = replies[1].bytes { report.firstID = String(decoding: id, as: UTF8.self) }
            if let id = replies.last?.bytes { report.lastID = String(decoding: id, as: UTF8.self) }
            sequence += n
        }
        report.published = sequence
        report.endNs = BenchClock.nowNs()
        return report
    }
}
