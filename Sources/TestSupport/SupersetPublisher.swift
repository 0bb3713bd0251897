import Events
import Foundation
import RedisStreams

/// Publishes events exactly as Superset's Flask app does: the same `data` value
/// (`json.dumps` formatting) `XADD`ed to `<prefix><channel>` and then to `<prefix>full`.
public final class SupersetPublisher {
    public let prefix: String
    private let connection: RedisConnection

    public init(endpoint: RedisEndpoint, prefix: String = "async-events-") throws {
        self.prefix = prefix
        self.connection = RedisConnection(endpoint: endpoint)
        try connection.connect()
    }

    deinit { connection.close() }

    /// A Superset-shaped event value for a channel.
    public static func eventJSON(channel: String, job: String = UUID().uuidString.lowercased(), status: String = "done", userID: String = "1") -> String {
        SupersetEvent.json(channel: channel, job: job, status: status, userID: userID)
    }

    /// Publishes one event; returns its firehose id (what browsers receive).
    @discardableResult
    public func publish(channel: String, value: String? = nil, firehoseID: StreamID? = nil) throws -> StreamID {
        let data = value ?? Self.eventJSON(channel: channel)
        _ = try connection.xadd(stream: prefix + channel, id: firehoseID, fields: [StreamField(name: "data", value: data)], maxlenApprox: 1_000)
        return try connection.xadd(stream: prefix + "full", id: firehoseID, fields: [StreamField(name: "data", value: data)], maxlenApprox: 1_000_000)
    }

    /// Writes a raw value to the firehose only (for malformed-entry tests).
    @discardableResult
    public func publishRaw(fields: [StreamField], id: StreamID? = nil) throws -> StreamID {
        try connection.xadd(stream: prefix + "full", id: id, fields: fields)
    }

    /// Publishes one event per channel in a single pipelined round trip per stream, so
    /// that many channels' events share a millisecond (the case upstream loses events in).
    /// Returns the firehose ids, in the order of `channels`.
    public func publishBurst(channels: [String]) throws -> [StreamID] {
        try publishPipelined(channels.map { ($0, Self.eventJSON(channel: $0)) })
    }

    /// Publishes each `(channel, value)` as Superset does (its channel stream, then the
    /// firehose), all in one pipelined round trip. Returns the firehose ids, in order.
    public func publishPipelined(_ events: [(channel: String, value: String)]) throws -> [StreamID] {
        var commands: [[[UInt8]]] = []
        for (channel, data) in events {
            commands.append(StreamCommand.xadd(stream: prefix + channel, id: nil, fields: [StreamField(name: "data", value: data)], maxlenApprox: 1_000))
            commands.append(StreamCommand.xadd(stream: prefix + "full", id: nil, fields: [StreamField(name: "data", value: data)], maxlenApprox: 1_000_000))
        }
        let replies = try connection.pipeline(commands)
        return stride(from: 1, to: replies.count, by: 2).compactMap { replies[$0].bytes.flatMap { StreamID(bytes: $0) } }
    }

    /// Publishes `count` events for one channel, each padded to about `padding` bytes,
    /// pipelined. Returns the firehose ids in order.
    public func publishMany(channel: String, count: Int, padding: Int = 0) throws -> [StreamID] {
        let pad = String(repeating: "x", count: padding)
        var commands: [[[UInt8]]] = []
        for index in 0..<count {
            let data = "{\"channel_id\": \"\(channel)\", \"job_id\": \"job-\(index)\", \"user_id\": \"1\", \"status\": \"done\", \"errors\": [], \"result_url\": \"/\(pad)\"}"
            commands.append(StreamCommand.xadd(stream: prefix + channel, id: nil, fields: [StreamField(name: "data", value: data)], maxlenApprox: 1_000))
            commands.append(StreamCommand.xadd(stream: prefix + "full", id: nil, fields: [StreamField(name: "data", value: data)], maxlenApprox: 1_000_000))
        }
        let replies = try connection.pipeline(commands)
        return stride(from: 1, to: replies.count, by: 2).compactMap { replies[$0].bytes.flatMap { StreamID(bytes: $0) } }
    }

    /// Trims the firehose to its newest `maxLength` entries (`XTRIM … MAXLEN`), as an
    /// operator or Superset's own `MAXLEN` does; returns how many were removed (nil if
    /// the reply was not a count).
    @discardableResult
    public func trimFirehose(to maxLength: Int) throws -> Int? {
        guard case .integer(let removed) = try connection.command(["XTRIM", prefix + "full", "MAXLEN", String(maxLength)]) else { return nil }
        return Int(removed)
    }

    /// The `data` values a channel stream holds, oldest first.
    public func channelEvents(channel: String) throws -> [String] {
        try connection.xrange(stream: prefix + channel, from: .zero, to: nil, count: nil).compactMap { entry in
            entry.fields.first { $0.name == Array("data".utf8) }.map { String(decoding: $0.value, as: UTF8.self) }
        }
    }

    /// The ids of a channel's events in the firehose, in order (the truth a client is checked against).
    public func firehoseIDs(channel: String) throws -> [StreamID] {
        try connection.xrange(stream: prefix + "full", from: .zero, to: nil, count: nil).filter { entry in
            guard case .success(let event) = EventEncoder.encode(entry) else { return false }
            return event.channelID == channel
        }.map(\.id)
    }
}

/// Polls `condition` until it holds or `timeout` passes: for waiting on state that has
/// no event to await (another process, a server's counters). Never a fixed sleep.
public func eventually(timeout: Duration = .seconds(10), pollEvery: Duration = .milliseconds(20), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: pollEvery)
    }
    return try await condition()
}
