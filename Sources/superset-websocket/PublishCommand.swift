import ArgumentParser
import Config
import Events
import Foundation
import Gateway
import RedisStreams

/// Publishes a test event exactly as Superset does: the same `XADD` to the channel's
/// stream and to the firehose, with Python `json.dumps` formatting.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish", abstract: "XADD a Superset-shaped async event to <prefix><channel> and <prefix>full.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "The channel id (the token's channel claim).")
    var channel: String

    @Option(help: "The job status.")
    var status: String = "done"

    @Option(help: "How many events to publish.")
    var count: Int = 1

    func run() throws {
        let config = options.load().config
        let connection = RedisConnection(endpoint: RedisEndpoint(config: config.redis))
        try connection.connect()
        defer { connection.close() }
        for _ in 0..<max(1, count) {
            let job = UUID().uuidString.lowercased()
            let value = SupersetEvent.json(channel: channel, job: job, status: status)
            _ = try connection.xadd(stream: config.redisStreamPrefix + channel, fields: [StreamField(name: "data", value: value)], maxlenApprox: 1_000)
            let id = try connection.xadd(stream: config.redisStreamPrefix + "full", fields: [StreamField(name: "data", value: value)], maxlenApprox: 1_000_000)
            print("\(id) \(value)")
        }
    }
}

/// Publishes a Superset 7 realtime message exactly as its producer does: one `PUBLISH`
/// of `{"topic", "scope", "routes"?, "payload"}` (Python `json.dumps` formatting) to
/// `<realtimeChannelPrefix>realtime`. Prints the number of subscribers that got it and
/// the message.
struct PublishRealtimeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish-realtime", abstract: "PUBLISH a Superset-7-shaped realtime message to <realtimeChannelPrefix>realtime.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "The topic the browser dispatches on.")
    var topic: String = "task.status"

    @Option(help: "authenticated_global (every socket) or a targeted scope (principal, tab).")
    var scope: String = "principal"

    @Option(help: "A route (user:<id>, guest:<hmac>, user:<id>:<tab>); repeat for several.")
    var route: [String] = []

    @Option(help: "The payload, JSON text (default: a task.status payload with a fresh task_id).")
    var payload: String?

    @Option(help: "How many messages to publish.")
    var count: Int = 1

    func validate() throws {
        if scope != RealtimeEnvelope.broadcastScope && route.isEmpty {
            throw ValidationError("a targeted scope needs at least one --route (or --scope authenticated_global)")
        }
    }

    func run() throws {
        let config = options.load().config
        let connection = RedisConnection(endpoint: RedisEndpoint(config: config.redis))
        try connection.connect()
        defer { connection.close() }
        let channel = config.realtimeChannelPrefix + "realtime"
        let routes = scope == RealtimeEnvelope.broadcastScope ? [] : route
        for _ in 0..<max(1, count) {
            let body = payload ?? "{\"task_id\": \"\(UUID().uuidString.lowercased())\", \"status\": \"success\"}"
            let message = SupersetEvent.realtimeJSON(topic: topic, scope: scope, routes: routes, payload: body)
            guard case .success = RealtimeEnvelope.decode(Array(message.utf8)) else {
                throw ValidationError("the message would be skipped by the server: check --payload is JSON")
            }
            guard case .integer(let receivers) = try connection.command(["PUBLISH", channel, message]) else {
                throw ValidationError("Redis refused the PUBLISH")
            }
            print("\(receivers) \(message)")
        }
    }
}
