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
