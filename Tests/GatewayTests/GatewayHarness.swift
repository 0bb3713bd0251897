import Config
import Events
import Foundation
import Logging
import NIOCore
import RedisStreams
import TestSupport

@testable import Gateway

/// A real worker (in this process) against a real `redis-server`, for integration tests.
final class GatewayHarness {
    let redis: RedisServer
    let worker: GatewayWorker
    let publisher: SupersetPublisher

    /// - Parameters:
    ///   - server: the Redis to use (default: a new plain one with `persistence`).
    ///   - publisherDB: the database events are published to.
    ///   - awaitFirehose: return only once the worker has reached the firehose.
    init(
        persistence: RedisServer.Persistence = .none,
        server: RedisServer? = nil,
        publisherDB: Int = 0,
        logger: Logger = Logger(label: "gateway-test"),
        awaitFirehose: Bool = true,
        configure: (inout ServiceConfig) -> Void = { _ in },
        hub: (inout ChannelHub.Settings) -> Void = { _ in }
    ) async throws {
        redis = try server ?? RedisServer(persistence: persistence)
        var config = ServiceConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.jwtSecret = TestTokens.secret
        config.redis.port = redis.port
        config.redisStreamReadBlockMs = 1000
        configure(&config)
        var options = GatewayOptions(config: config)
        hub(&options.hub)
        worker = try await GatewayWorker.start(options: options, logger: logger)
        var publisherEndpoint = redis.endpoint
        publisherEndpoint.db = publisherDB
        publisher = try SupersetPublisher(endpoint: publisherEndpoint, prefix: config.redisStreamPrefix)
        if awaitFirehose {
            try await worker.firehoseReady()
        }
    }

    func connect(channel: String, lastID: StreamID? = nil, rawLastID: String? = nil, autoPong: Bool = true) async throws -> WebSocketTestClient {
        let query = rawLastID.map { "?last_id=\($0)" } ?? lastID.map { "?last_id=\($0)" } ?? ""
        return try await WebSocketTestClient.connect(
            port: worker.localPort, path: "/\(query)", cookie: TestTokens.cookie(TestTokens.superset(channel: channel)), autoPong: autoPong)
    }

    func shutdown() async {
        await worker.shutdown()
        redis.stop()
    }
}

/// The `id` of a message a client received.
func messageID(_ text: String) -> StreamID? {
    guard let start = text.range(of: "{\"id\":\""), let end = text[start.upperBound...].firstIndex(of: "\"") else { return nil }
    return StreamID(redis: text[start.upperBound..<end])
}

func receive(_ client: WebSocketTestClient, count: Int) async throws -> [StreamID] {
    var ids: [StreamID] = []
    for _ in 0..<count { ids.append(messageID(try await client.nextText())!) }
    return ids
}

/// Records what a worker logs, for tests that check what an operator would read.
final class LogCapture: @unchecked Sendable {
    struct Line: Sendable {
        let at = ContinuousClock.now
        let level: Logger.Level
        let message: String
        let metadata: String
        var text: String { "\(message) \(metadata)" }
    }

    private let lock = NSLock()
    private var captured: [Line] = []

    var lines: [Line] { lock.withLock { captured } }

    var logger: Logger {
        Logger(label: "gateway-test") { _ in Handler(capture: self) }
    }

    fileprivate func append(_ line: Line) {
        lock.withLock { captured.append(line) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let text = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.append(Line(level: event.level, message: "\(event.message)", metadata: text))
        }
    }
}
