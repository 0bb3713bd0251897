// The HTTP request head and the upgrade's validation: the bytes go through NIO's
// HTTP/1 request decoder and the service's HTTPHandshakeHandler on an embedded
// channel, with the real HandshakeAuthorizer (Origin policy, cookie, JWT verifier
// with the test secret), exactly as the worker's pipeline is built. Input: the raw
// bytes a client sends on a fresh connection; a 0xFF byte splits them into reads.
import Events
import FuzzSupport
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import Gateway

let logger = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
let authorizer = HandshakeAuthorizer(
    origins: OriginPolicy(allowedOrigins: ["http://superset.example", "https://a.example:8443"]),
    verifier: TokenVerifier.make(
        secret: "test-secret-that-is-at-least-32-bytes-long", allowedAlgorithms: ["HS256", "HS512"], channelClaim: "channel"),
    cookieName: "async-token")

final class NoReplay: ReplaySource {
    func fetch(
        channelID: String, after lastID: StreamID, upTo position: StreamID,
        completion: @escaping @Sendable (Result<ReplayBatch, any Error>) -> Void
    ) -> ReplayTicket {
        completion(.success(ReplayBatch(events: [], possibleGap: false, upTo: position)))
        return ReplayTicket()
    }
}

fuzzMain { input in
    let loop = EmbeddedEventLoop()
    let hub = ChannelHub(eventLoop: loop, settings: ChannelHub.Settings(), replaySource: NoReplay(), logger: logger)
    let channel = EmbeddedChannel(loop: loop)
    let encoder = HTTPResponseEncoder()
    let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
    let handler = HTTPHandshakeHandler(
        authorizer: authorizer, hub: hub, handshakeTimeout: .seconds(10), logger: logger, encoder: encoder,
        decoder: decoder, makeSocketID: { "socket-1" })
    try! channel.pipeline.syncOperations.addHandlers([encoder, decoder, handler])
    channel.connect(to: try! SocketAddress(ipAddress: "127.0.0.1", port: 1), promise: nil)
    for chunk in split(input, separator: 0xFF) where channel.isActive {
        do {
            try channel.writeInbound(ByteBuffer(bytes: chunk))
        } catch {
            break  // An error the pipeline raised after it answered (the channel closes).
        }
        loop.run()
        while let _ = try? channel.readOutbound(as: ByteBuffer.self) {}
        while let _ = try? channel.readInbound(as: ByteBuffer.self) {}
    }
    _ = try? channel.finish()
    loop.advanceTime(by: .seconds(120))
    try? loop.syncShutdownGracefully()
}
