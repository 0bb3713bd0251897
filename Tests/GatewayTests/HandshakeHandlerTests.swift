import Events
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing
import TestSupport

@testable import Gateway

/// The HTTP handshake handler on an embedded channel: health, 404, refusals, upgrade,
/// bad input and the handshake timeout.
@Suite struct HandshakeHandlerTests {
    let loop = EmbeddedEventLoop()

    func makeChannel(origins: [String] = [], timeout: TimeAmount = .seconds(10), configure: (inout ChannelHub.Settings) -> Void = { _ in }) async throws -> (EmbeddedChannel, ChannelHub) {
        var settings = ChannelHub.Settings()
        configure(&settings)
        let hub = ChannelHub(eventLoop: loop, settings: settings, replaySource: ManualReplaySource(), logger: testLogger)
        let authorizer = HandshakeAuthorizer(
            origins: OriginPolicy(allowedOrigins: origins),
            verifier: TokenVerifier.make(secret: TestTokens.secret, allowedAlgorithms: ["HS256"], channelClaim: "channel"),
            cookieName: "async-token")
        let channel = EmbeddedChannel(loop: loop)
        let encoder = HTTPResponseEncoder()
        let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
        let handler = HTTPHandshakeHandler(
            authorizer: authorizer, hub: hub, handshakeTimeout: timeout, logger: testLogger, encoder: encoder,
            decoder: decoder, makeSocketID: { "socket-1" })
        try channel.pipeline.syncOperations.addHandlers([encoder, decoder, handler])
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        return (channel, hub)
    }

    func send(_ channel: EmbeddedChannel, _ text: String) throws {
        try channel.writeInbound(ByteBuffer(string: text))
    }

    func outboundBytes(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            bytes += buffer.readableBytesView
        }
        return bytes
    }

    func response(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += String(buffer: buffer)
        }
        return text
    }

    func upgradeRequest(path: String = "/", cookie: String?, origin: String? = nil, version: String = "13") -> String {
        var request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: \(version)\r\n"
        if let cookie { request += "Cookie: \(cookie)\r\n" }
        if let origin { request += "Origin: \(origin)\r\n" }
        return request + "\r\n"
    }

    @Test func healthAnswersOKForGetAndHead() async throws {
        let (channel, _) = try await makeChannel()
        try send(channel, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        let get = try response(channel)
        #expect(get.hasPrefix("HTTP/1.1 200 OK"))
        #expect(get.hasSuffix("\r\n\r\nOK"))
        try send(channel, "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try response(channel)
        #expect(head.hasPrefix("HTTP/1.1 200 OK"))
        #expect(head.hasSuffix("\r\n\r\n"), "HEAD has no body")
        #expect(channel.isActive, "keep-alive is honoured")
    }

    @Test func otherPlainRequestsAre404() async throws {
        let (channel, _) = try await makeChannel()
        let targets = ["/", "/health/", "/healthz", "/Health", "/%68ealth", "/health/.", "/x/health"]
        let requests = targets.map { "GET \($0) HTTP/1.1\r\nHost: x\r\n\r\n" } + ["POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"]
        for request in requests {
            try send(channel, request)
            let text = try response(channel)
            #expect(text.hasPrefix("HTTP/1.1 404 Not Found"), "\(request)")
            #expect(text.hasSuffix("Not Found"))
        }
    }

    /// Upstream routes on `new URL(request.url).pathname`: a load balancer's probe with a
    /// query string is a health check (a held-out check found ours answering 404).
    @Test func healthIsMatchedOnThePathAloneAsUpstreamDoes() async throws {
        let (channel, _) = try await makeChannel()
        let targets = ["/health?probe=1", "/health?", "/health?a=1&b=/x", "/health#top", "/./health", "/x/../health",
                       "/%2e/health", "http://balancer.example:8080/health?probe=1", "/..//../health".replacingOccurrences(of: "//", with: "/")]
        for target in targets {
            for method in ["GET", "HEAD"] {
                try send(channel, "\(method) \(target) HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try response(channel).hasPrefix("HTTP/1.1 200 OK"), "\(method) \(target)")
            }
        }
    }

    @Test(arguments: [
        ("/health", "/health"), ("/health?probe=1", "/health"), ("/health#f", "/health"), ("/a/b/../../health", "/health"),
        ("/health/..", "/"), ("/health/.", "/health/"), ("\\health", "/health"), ("health", "/health"), ("/../health", "/health"),
        ("http://h/health?x", "/health"), ("http://h", "/"), ("/%2E%2e/health", "/health"), ("/%68ealth", "/%68ealth"),
    ])
    func requestPathIsTheWHATWGPathname(target: String, pathname: String) {
        #expect(RequestPath.pathname(of: target) == pathname)
    }

    @Test func http10WithoutKeepAliveIsClosedAfterTheResponse() async throws {
        let (channel, _) = try await makeChannel()
        try send(channel, "GET /health HTTP/1.0\r\n\r\n")
        #expect(try response(channel).contains("200 OK"))
        loop.run()
        #expect(!channel.isActive)
    }

    @Test func missingTokenIs401AndNothingIsRegistered() async throws {
        let (channel, hub) = try await makeChannel()
        try send(channel, upgradeRequest(cookie: nil))
        let text = try response(channel)
        #expect(text.hasPrefix("HTTP/1.1 401 Unauthorized"))
        loop.run()
        #expect(!channel.isActive)
        #expect(hub.registry.socketCount == 0)
        #expect(hub.count("ws_upgrade_rejected") == 1)
    }

    @Test func badTokenIs401() async throws {
        let (channel, _) = try await makeChannel()
        let forged = TestTokens.make(headerJSON: "{\"alg\":\"none\"}", payloadJSON: "{\"channel\":\"c\"}")
        try send(channel, upgradeRequest(cookie: TestTokens.cookie(forged)))
        #expect(try response(channel).hasPrefix("HTTP/1.1 401"))
    }

    @Test func originOutsideTheAllowlistIs403() async throws {
        let (channel, hub) = try await makeChannel(origins: ["http://superset.example"])
        let cookie = TestTokens.cookie(TestTokens.superset(channel: "c"))
        try send(channel, upgradeRequest(cookie: cookie, origin: "http://evil.example"))
        #expect(try response(channel).hasPrefix("HTTP/1.1 403 Forbidden"))
        #expect(hub.count("ws_upgrade_rejected") == 1)
    }

    @Test func unsupportedVersionIs426() async throws {
        let (channel, _) = try await makeChannel()
        try send(channel, upgradeRequest(cookie: TestTokens.cookie(TestTokens.superset(channel: "c")), version: "8"))
        let text = try response(channel)
        #expect(text.hasPrefix("HTTP/1.1 426"))
        #expect(text.contains("Sec-WebSocket-Version: 13"))
    }

    @Test func validUpgradeSwitchesToWebSocketAndRegisters() async throws {
        let (channel, hub) = try await makeChannel()
        hub.start(position: id(1), warm: [])
        try send(channel, upgradeRequest(path: "/?last_id=bogus", cookie: TestTokens.cookie(TestTokens.superset(channel: "chan"))))
        let text = try response(channel)
        #expect(text.hasPrefix("HTTP/1.1 101 Switching Protocols"))
        // RFC 6455's own example key and accept value.
        #expect(text.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
        #expect(hub.registry.sockets(in: "chan").count == 1)
        #expect(hub.count("ws_connected_client") == 1)
        loop.run()  // ByteToMessageHandler leaves the pipeline on the next loop tick.
        hub.dispatch([event(id(2), channel: "chan")], done: nil)
        #expect(try writtenTexts(channel).count == 1)
        // The HTTP handlers are gone: a ping frame is answered with a pong.
        try channel.writeInbound(ByteBuffer(bytes: clientFrame(opcode: 0x9, payload: Array("hi".utf8))))
        let frames = try writtenFrames(channel)
        #expect(frames.count == 1 && frames[0].opcode == 0xA && frames[0].payload == Array("hi".utf8), "\(frames)")
    }

    @Test func bytesSentRightAfterTheRequestReachTheWebSocket() async throws {
        let (channel, _) = try await makeChannel()
        let request = upgradeRequest(cookie: TestTokens.cookie(TestTokens.superset(channel: "chan")))
        var bytes = ByteBuffer(string: request)
        bytes.writeBytes(clientFrame(opcode: 0x9, payload: Array("early".utf8)))
        try channel.writeInbound(bytes)
        _ = try response(channel)
        loop.run()
        // The 101 was read by response(); the pong may come in the same or the next buffer.
        try channel.writeInbound(ByteBuffer(bytes: clientFrame(opcode: 0x9, payload: Array("late".utf8))))
        let pongs = try writtenFrames(channel).filter { $0.opcode == 0xA }.map { String(decoding: $0.payload, as: UTF8.self) }
        #expect(pongs.contains("late"))
    }

    @Test func garbageIs400AndClosed() async throws {
        let (channel, _) = try await makeChannel()
        do {
            try send(channel, "\u{1}\u{2}garbage\r\n\r\n")
        } catch {}
        #expect(try response(channel).hasPrefix("HTTP/1.1 400"))
        loop.run()
        #expect(!channel.isActive)
    }

    @Test func oversizedHeadersAre431() async throws {
        let (channel, _) = try await makeChannel()
        do {
            try send(channel, "GET / HTTP/1.1\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n")
        } catch {}
        #expect(try response(channel).hasPrefix("HTTP/1.1 431"))
    }

    /// Heads past `RequestHeadLimits` are refused before they are routed or verified,
    /// and the connection is closed; nothing is registered.
    @Test func requestHeadLimits() async throws {
        let cookie = TestTokens.cookie(TestTokens.superset(channel: "limits"))
        let manyHeaders = (0...RequestHeadLimits.maxHeaderCount).map { "X-H\($0): v\r\n" }.joined()
        let cases: [(String, String)] = [
            ("GET /?last_id=\(String(repeating: "1", count: RequestHeadLimits.maxTargetBytes)) HTTP/1.1\r\nHost: x\r\n\r\n", "414"),
            ("GET / HTTP/1.1\r\nHost: x\r\n\(manyHeaders)\r\n", "431"),
            ("GET / HTTP/1.1\r\nHost: x\r\nX-A: \(String(repeating: "a", count: 20_000))\r\nX-B: \(String(repeating: "b", count: 20_000))\r\n\r\n", "431"),
            (upgradeRequest(cookie: cookie).replacingOccurrences(of: "\r\n\r\n", with: "\r\n\(manyHeaders)\r\n"), "431"),
        ]
        for (request, status) in cases {
            let (channel, hub) = try await makeChannel()
            try? send(channel, request)
            #expect(try response(channel).hasPrefix("HTTP/1.1 \(status)"), "\(request.prefix(40))")
            loop.run()
            #expect(!channel.isActive)
            #expect(hub.registry.socketCount == 0)
        }
        // At the limits: served.
        let (channel, _) = try await makeChannel()
        let target = "/health?" + String(repeating: "p", count: RequestHeadLimits.maxTargetBytes - 8)
        let headersAtTheLimit = (1..<RequestHeadLimits.maxHeaderCount).map { "X-H\($0): v\r\n" }.joined()  // and Host
        try send(channel, "GET \(target) HTTP/1.1\r\nHost: x\r\n\(headersAtTheLimit)\r\n")
        #expect(try response(channel).hasPrefix("HTTP/1.1 200 OK"))
    }

    /// Request-smuggling shapes: a body length two ways, or two different lengths.
    @Test func smugglingShapesAre400() async throws {
        for request in [
            "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
            "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            "GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked, identity\r\n\r\n",
        ] {
            let (channel, _) = try await makeChannel()
            try? send(channel, request)
            #expect(try response(channel).hasPrefix("HTTP/1.1 400"), "\(request)")
            loop.run()
            #expect(!channel.isActive)
        }
    }

    @Test func incompleteRequestIsClosedAtTheHandshakeTimeout() async throws {
        let (channel, _) = try await makeChannel(timeout: .seconds(5))
        try send(channel, "GET / HTTP/1.1\r\nHost: x\r\n")
        loop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test func upgradeOverTheCapGets1013() async throws {
        let (channel, hub) = try await makeChannel { $0.maxTotalConnections = 1 }
        let other = SocketSession(id: "o", channelID: "x", channel: EmbeddedChannel(loop: loop), now: .now())
        #expect(hub.open(other, lastID: nil) == .opened)
        try send(channel, upgradeRequest(cookie: TestTokens.cookie(TestTokens.superset(channel: "chan"))))
        loop.run()
        let bytes = try outboundBytes(channel)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 101"))
        let marker: [UInt8] = Array("\r\n\r\n".utf8)
        let headerEnd = try #require(bytes.indices.first { bytes[$0...].starts(with: marker) }) + marker.count
        let frames = try decodedFrames(in: ByteBuffer(bytes: bytes[headerEnd...]))
        #expect(frames.count == 1 && closeCode(frames[0].payload) == 1013, "\(frames)")
        #expect(hub.registry.sockets(in: "chan").isEmpty)
        #expect(hub.count("ws_connection_rejected") == 1)
    }
}

/// A masked client frame.
func clientFrame(opcode: UInt8, payload: [UInt8], masked: Bool = true, fin: Bool = true) -> [UInt8] {
    var out: [UInt8] = [(fin ? 0x80 : 0) | opcode]
    let maskBit: UInt8 = masked ? 0x80 : 0
    if payload.count < 126 {
        out.append(maskBit | UInt8(payload.count))
    } else if payload.count <= 0xFFFF {
        out += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
    } else {
        out.append(maskBit | 127)
        out += (0..<8).reversed().map { UInt8((UInt64(payload.count) >> (UInt64($0) * 8)) & 0xFF) }
    }
    guard masked else { return out + payload }
    let key: [UInt8] = [1, 2, 3, 4]
    return out + key + payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
}
