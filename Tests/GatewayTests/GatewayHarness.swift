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

    init(
        persistence: RedisServer.Persistence = .none,
        configure: (inout ServiceConfig) -> Void = { _ in },
        hub: (inout ChannelHub.Settings) -> Void = { _ in }
    ) async throws {
        redis = try RedisServer(persistence: persistence)
        var config = ServiceConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.jwtSecret = TestTokens.secret
        config.redis.port = redis.port
        config.redisStreamReadBlockMs = 1000
        configure(&config)
        var options = GatewayOptions(config: config)
        hub(&options.hub)
        worker = try await GatewayWorker.start(options: options, logger: Logger(label: "gateway-test"))
        publisher = try SupersetPublisher(endpoint: redis.endpoint, prefix: config.redisStreamPrefix)
        try await worker.firehoseReady()
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
