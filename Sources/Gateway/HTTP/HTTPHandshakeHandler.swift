import Events
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The HTTP side of a connection, until it becomes a WebSocket:
///
/// - `GET`/`HEAD /health` (the path alone decides, as upstream: see `RequestPath`) →
///   200 `OK`; any other plain request → 404 `Not Found`;
/// - an upgrade is checked (WebSocket headers, then Origin → 403, then the JWT
///   cookie → 401) and, when admitted, answered with 101; the pipeline then becomes
///   a WebSocket pipeline and the socket is handed to the hub;
/// - garbage or oversized requests get 400/414/431 (`RequestHeadLimits`) and are closed;
///   so are request-smuggling shapes (NIO's strict parser refuses `Content-Length` with
///   `Transfer-Encoding`);
/// - a connection that does not complete a request within `handshakeTimeout` is closed.
///
/// A refused upgrade changes nothing in the worker's state beyond a counter.
final class HTTPHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The largest frame a client may send; clients have nothing to say.
    static let maxClientFrameSize = 64 * 1024

    private enum State {
        case idle
        case receiving(HTTPRequestHead)
        case upgraded
        case closing
    }

    private let authorizer: HandshakeAuthorizer
    private let hub: ChannelHub
    private let handshakeTimeout: TimeAmount
    private let logger: Logger
    private let encoder: HTTPResponseEncoder
    private let decoder: ByteToMessageHandler<HTTPRequestDecoder>
    private let makeSocketID: () -> String
    /// Set when the worker serves Superset 7's realtime protocol.
    private let realtimeGate: RealtimeGate?
    private var state = State.idle
    private var timeout: Scheduled<Void>?

    init(
        authorizer: HandshakeAuthorizer,
        hub: ChannelHub,
        handshakeTimeout: TimeAmount,
        logger: Logger,
        encoder: HTTPResponseEncoder,
        decoder: ByteToMessageHandler<HTTPRequestDecoder>,
        makeSocketID: @escaping () -> String,
        realtimeGate: RealtimeGate? = nil
    ) {
        self.realtimeGate = realtimeGate
        self.authorizer = authorizer
        self.hub = hub
        self.handshakeTimeout = handshakeTimeout
        self.logger = logger
        self.encoder = encoder
        self.decoder = decoder
        self.makeSocketID = makeSocketID
    }

    // MARK: - Handshake timeout

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armTimeout(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        armTimeout(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = nil
        context.fireChannelInactive()
    }

    private func armTimeout(context: ChannelHandlerContext) {
        timeout?.cancel()
        let channel = context.channel
        let logger = self.logger
        let limit = handshakeTimeout
        timeout = context.eventLoop.scheduleTask(in: limit) {
            logger.debug("closing connection: no complete request within handshakeTimeoutMs")
            channel.close(promise: nil)
        }
    }

    // MARK: - Requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            if let (status, reason) = RequestHeadLimits.violation(of: head) {
                return reject(context: context, status: status, reason: reason)
            }
            state = .receiving(head)
        case (.body, _):
            break  // Bodies of plain requests are not used.
        case (.end, .receiving(let head)):
            state = .idle
            if Self.isUpgrade(head) {
                upgrade(context: context, head: head)
            } else {
                respond(context: context, head: head)
            }
        default:
            break
        }
    }

    /// A parser error (garbage, oversized headers) while reading a request is answered
    /// with 400/431; any other error, or one after a response began, just closes.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch state {
        case .idle, .receiving:
            reject(context: context, status: Self.status(for: error), reason: "bad HTTP request: \(error)")
        case .upgraded, .closing:
            context.close(promise: nil)
        }
    }

    private static func status(for error: any Error) -> HTTPResponseStatus {
        if let parserError = error as? HTTPParserError, parserError == .headerOverflow {
            return .requestHeaderFieldsTooLarge
        }
        return .badRequest
    }

    private static func isUpgrade(_ head: HTTPRequestHead) -> Bool {
        head.headers[canonicalForm: "upgrade"].contains { $0.lowercased() == "websocket" }
    }

    /// Plain HTTP: `/health` or 404, keeping the connection alive when the client asks.
    /// With the realtime protocol, `/ready` too: 200 `OK` while the Pub/Sub subscriber is
    /// subscribed, 503 `SUBSCRIBER_UNAVAILABLE` otherwise (upstream's readiness gate).
    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let path = RequestPath.pathname(of: head.uri)
        let isGet = head.method == .GET || head.method == .HEAD
        let status: HTTPResponseStatus
        let body: String
        if path == "/health" && isGet {
            (status, body) = (.ok, "OK")
        } else if path == "/ready" && isGet && realtimeGate != nil {
            (status, body) = hub.realtimeAvailable ? (.ok, "OK") : (.serviceUnavailable, "SUBSCRIBER_UNAVAILABLE")
        } else {
            (status, body) = (.notFound, "Not Found")
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        let keepAlive = head.isKeepAlive
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if keepAlive {
            armTimeout(context: context)
        } else {
            state = .closing
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    // MARK: - Upgrade

    private func upgrade(context: ChannelHandlerContext, head: HTTPRequestHead) {
        guard head.method == .GET else {
            return reject(context: context, status: .methodNotAllowed, reason: "upgrade with method \(head.method)")
        }
        guard head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "upgrade" }) else {
            return reject(context: context, status: .badRequest, reason: "upgrade without Connection: upgrade")
        }
        guard head.headers.first(name: "sec-websocket-version") == "13" else {
            var extra = HTTPHeaders()
            extra.add(name: "Sec-WebSocket-Version", value: "13")
            return reject(context: context, status: .upgradeRequired, reason: "unsupported WebSocket version", extraHeaders: extra)
        }
        guard let key = head.headers.first(name: "sec-websocket-key"), WebSocketAccept.isValidKey(key) else {
            return reject(context: context, status: .badRequest, reason: "missing or invalid Sec-WebSocket-Key")
        }
        if let realtimeGate, realtimeGate.claims(head.headers["cookie"]) {
            return upgradeRealtime(context: context, head: head, key: key, gate: realtimeGate)
        }
        let channelID: String
        switch authorizer.authorize(origin: head.headers.first(name: "origin"), cookieHeaders: head.headers["cookie"]) {
        case .success(let channel):
            channelID = channel
        case .failure(let refusal):
            hub.upgradeRejected()
            return reject(context: context, status: HTTPResponseStatus(statusCode: refusal.status), reason: refusal.description)
        }
        var lastID: StreamID?
        switch LastIDQuery.parse(uri: head.uri) {
        case .absent: break
        case .valid(let id): lastID = id
        case .malformed(let text): logger.warning("ignoring malformed last_id", metadata: ["last_id": "\(text)"])
        }

        let session = SocketSession(id: makeSocketID(), channelID: channelID, channel: context.channel, now: .now())
        switchToWebSocket(context: context, key: key, session: session, lastID: lastID)
    }

    /// A Superset 7 upgrade, in upstream 7.0's order (`httpUpgrade`): Origin, then the
    /// subscriber's health (503 while it is down), then the `superset-ws-token` cookie
    /// (refused with 401 like a streams token).
    private func upgradeRealtime(context: ChannelHandlerContext, head: HTTPRequestHead, key: String, gate: RealtimeGate) {
        guard gate.origins.allows(origin: head.headers.first(name: "origin")) else {
            hub.upgradeRejected()
            return reject(context: context, status: .forbidden, reason: Refusal.originNotAllowed.description)
        }
        guard hub.realtimeAvailable else {
            // Upstream counts these as rejected upgrades too.
            hub.upgradeRejected()
            hub.realtime?.metrics.unavailable.increment()
            return reject(context: context, status: .serviceUnavailable, reason: "realtime subscriber unavailable")
        }
        let binding: RealtimeBinding
        switch gate.admit(origin: head.headers.first(name: "origin"), cookieHeaders: head.headers["cookie"], uri: head.uri) {
        case .success(let admitted):
            binding = admitted
        case .failure(let refusal):
            hub.upgradeRejected()
            return reject(context: context, status: HTTPResponseStatus(statusCode: refusal.status), reason: refusal.description)
        }
        if let ignored = gate.ignoredTab(uri: head.uri) {
            logger.warning("ignoring malformed tab_id", metadata: ["tab_id": "\(ignored)"])
        }
        let session = SocketSession(
            id: makeSocketID(), channelID: RealtimeBinding.registryKey(for: binding.channel), channel: context.channel, now: .now())
        session.realtime = binding
        switchToWebSocket(context: context, key: key, session: session, lastID: nil)
    }

    /// Answers 101 and turns the pipeline into a WebSocket pipeline for `session`.
    private func switchToWebSocket(context: ChannelHandlerContext, key: String, session: SocketSession, lastID: StreamID?) {
        var headers = HTTPHeaders()
        headers.add(name: "Upgrade", value: "websocket")
        headers.add(name: "Connection", value: "Upgrade")
        headers.add(name: "Sec-WebSocket-Accept", value: WebSocketAccept.value(forKey: key))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)

        state = .upgraded
        timeout?.cancel()
        timeout = nil
        let pipeline = context.pipeline.syncOperations
        do {
            // Order matters. The HTTP encoder goes first: the session handler may write a
            // close frame as soon as it is added (connection caps). The request decoder
            // goes last, so that bytes the client sent right after its request are
            // forwarded to the frame decoder, not to us.
            pipeline.removeHandler(encoder, promise: nil)
            try pipeline.addHandlers(
                [
                    ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: Self.maxClientFrameSize)),
                    WebSocketSessionHandler(session: session, hub: hub, lastID: lastID, logger: logger),
                ],
                position: .after(self))
            pipeline.removeHandler(context: context, promise: nil)
            pipeline.removeHandler(decoder, promise: nil)
        } catch {
            logger.error("could not switch the pipeline to WebSocket", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    /// Answers a plain HTTP error and closes. Used for every refused upgrade.
    private func reject(context: ChannelHandlerContext, status: HTTPResponseStatus, reason: String, extraHeaders: HTTPHeaders = [:]) {
        logger.warning("upgrade refused", metadata: ["status": "\(status.code)", "reason": "\(reason)", "peer": "\(context.remoteAddress.map { "\($0)" } ?? "-")"])
        state = .closing
        timeout?.cancel()
        var headers = extraHeaders
        let body = status.reasonPhrase
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
