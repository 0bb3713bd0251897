import Events
import Logging
import NIOCore
import NIOWebSocket

/// The WebSocket side of a browser socket. Clients have nothing to say to this server:
/// their pings are answered, their pongs keep them alive, small data frames are ignored,
/// a frame over 64 KiB closes with 1009, an unmasked or malformed frame, or one that
/// breaks `ClientFrameRules`, with 1002, a ping flood (`ClientPingBudget`) with 1008.
///
/// At most one pong is in flight: a ping that arrives while the last pong is still
/// unwritten is answered once that write completes, with the newest ping's payload
/// (RFC 6455 §5.5.3 allows answering only the most recent ping). With the read
/// backpressure of `ReadBackpressureHandler`, a client that pings and never reads
/// costs a bounded amount of memory.
final class WebSocketSessionHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame

    private let session: SocketSession
    private let hub: ChannelHub
    private let lastID: StreamID?
    private let logger: Logger
    private var rules = ClientFrameRules()
    private var pingBudget = ClientPingBudget()
    private var pongInFlight = false
    /// The newest unanswered ping's payload, sent when the pong in flight is written.
    private var pongOwed: ByteBuffer?

    init(session: SocketSession, hub: ChannelHub, lastID: StreamID?, logger: Logger) {
        self.session = session
        self.hub = hub
        self.lastID = lastID
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        session.outbound = Self.firstOutbound(context)
        switch hub.open(session, lastID: lastID) {
        case .opened:
            break
        case .overTotalCap, .overChannelCap:
            logger.warning("connection cap reached; closing with 1013", metadata: ["channel": "\(session.channelID.prefix(64))"])
            closeNow(context: context, code: .tryAgainLater)
        }
    }

    /// Where the hub writes events from: the first handler's context, so that a frame
    /// (bytes already) goes straight to the channel's head, as the ceiling server writes.
    /// From this handler's own context each write also passed `ReadBackpressureHandler`,
    /// which forwards writes untouched. Without that handler (unit tests), this one's.
    private static func firstOutbound(_ context: ChannelHandlerContext) -> ChannelHandlerContext {
        (try? context.pipeline.syncOperations.context(handlerType: ReadBackpressureHandler.self)) ?? context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        session.outbound = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        hub.closed(session)
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        hub.writabilityChanged(session)
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.maskKey != nil else {
            logger.info("closing socket: unmasked client frame", metadata: ["socket": "\(session.id)"])
            return fail(context: context, code: .protocolError)
        }
        if case .protocolError(let violation) = rules.check(frame) {
            logger.info("closing socket: client broke RFC 6455", metadata: ["socket": "\(session.id)", "violation": "\(violation)"])
            return fail(context: context, code: .protocolError)
        }
        switch frame.opcode {
        case .ping:
            guard session.isOpen else { return }
            guard pingBudget.spend(at: .now()) else {
                logger.info("closing socket: ping flood", metadata: ["socket": "\(session.id)"])
                return fail(context: context, code: .policyViolation)
            }
            pong(frame.unmaskedData, context: context)
        case .pong:
            hub.pong(session, payload: frame.unmaskedData)
        case .connectionClose:
            // Echo the close (unless we started it) and end the connection: the server
            // closes TCP first (RFC 6455 §7.1.1).
            if session.isOpen {
                hub.closed(session)
                let code = ClientFrameRules.closeCode(of: frame.unmaskedData) ?? ServerFrame.CloseCode.normal.rawValue
                let channel = context.channel
                context.writeAndFlush(NIOAny(ServerFrame.close(rawCode: code, allocator: channel.allocator))).whenComplete { _ in
                    channel.close(promise: nil)
                }
            } else {
                context.close(promise: nil)
            }
        default:
            break  // Text, binary and continuation frames are ignored.
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? NIOWebSocketError {
            let code: ServerFrame.CloseCode = error == .invalidFrameLength ? .messageTooBig : .protocolError
            logger.info("closing socket: bad client frame", metadata: ["socket": "\(session.id)", "error": "\(error)"])
            return fail(context: context, code: code)
        }
        if !(error is IOError) {
            logger.debug("socket error", metadata: ["socket": "\(session.id)", "error": "\(error)"])
        }
        context.close(promise: nil)
    }

    private func pong(_ payload: ByteBuffer, context: ChannelHandlerContext) {
        guard !pongInFlight else {
            pongOwed = payload
            return
        }
        pongInFlight = true
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(NIOAny(ServerFrame.pong(payload.readableBytesView, allocator: context.channel.allocator)), promise: written)
        written.futureResult.assumeIsolated().whenComplete { result in
            self.pongInFlight = false
            guard case .success = result, self.session.isOpen, let owed = self.pongOwed else { return }
            self.pongOwed = nil
            self.pong(owed, context: context)
        }
    }

    /// Closes at once after a close frame: the client broke the protocol.
    private func fail(context: ChannelHandlerContext, code: ServerFrame.CloseCode) {
        hub.closed(session)
        closeNow(context: context, code: code)
    }

    private func closeNow(context: ChannelHandlerContext, code: ServerFrame.CloseCode) {
        let channel = context.channel
        context.writeAndFlush(NIOAny(ServerFrame.close(code, allocator: channel.allocator))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
