import ArgumentParser
import RedisStreams

/// Publishes Superset-shaped events carrying their publish time; prints a `published`
/// line with the ids and the times.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish", abstract: "XADD timestamped Superset-shaped events to <prefix><channel> and <prefix>full.")

    @Option(help: "Redis host.") var redisHost = "127.0.0.1"
    @Option(help: "Redis port.") var redisPort = 6379
    @Option(help: "Events to publish.") var count: Int
    @Option(help: "Channels, round robin.") var channels = 1
    @Option(help: "The first event's channel number.") var firstChannel = 0
    @Option(help: "Channel id prefix.") var channelPrefix = "bench-"
    @Option(help: "Stream prefix (redisStreamPrefix).") var streamPrefix = "async-events-"
    @Option(help: "Events per round trip (1: Superset's two round trips per event).") var pipeline = 1
    @Option(help: "Events per second (0: as fast as Redis takes them).") var rate = 0.0

    func run() throws {
        let publisher = try Publisher(endpoint: RedisEndpoint(host: redisHost, port: redisPort))
        defer { publisher.close() }
        let report = try publisher.run(Publisher.Plan(
            count: count, channels: channels, firstChannel: firstChannel, channelPrefix: channelPrefix,
            streamPrefix: streamPrefix, pipeline: pipeline, rate: rate))
        LineOutput.emit(EventLine(event: "published", body: report))
    }
}
