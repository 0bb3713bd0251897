import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A real WebSocket client for tests, written independently of the server's code: it
/// speaks RFC 6455 over a plain TCP connection (its own handshake parsing and frame
/// codec), so the server is checked against the protocol, not against itself.
public final class WebSocketTestClient: Sendable {
    public enum Event: Sendable, Equatable {
        case text(String)
        case binary([UInt8])
        case ping([UInt8])
        case pong([UInt8])
        case close(code: UInt16?)
        /// The TCP connection ended.
        case disconnected
    }

    public struct Timeout: Error, CustomStringConvertible {
        public let what: String
        public var description: String { "timed out waiting for \(what)" }
    }

    /// The HTTP status of the handshake response (101 when upgraded).
    public let status: Int
    /// The handshake response's headers, lower-cased names.
    public let headers: [String: String]
    private let channel: any Channel
    private let inbox: Inbox

    private init(status: Int, headers: [String: String], channel: any Channel, inbox: Inbox) {
        self.status = status
        self.headers = headers
        self.channel = channel
        self.inbox = inbox
    }

    public var isUpgraded: Bool { status == 101 }

    /// The client's local port (to find which process serves the connection).
    public var localPort: Int? { channel.localAddress?.port }

    /// Connects and sends an upgrade request; returns once the server answered the
    /// handshake (whatever the status). `cookie` is sent as a `Cookie` header.
    public static func connect(
        host: String = "127.0.0.1", port: Int, path: String = "/", cookie: String? = nil, origin: String? = nil,
        extraHeaders: [(String, String)] = [], autoPong: Bool = true, localAddress: String? = nil,
        receiveBufferBytes: Int? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, timeout: Duration = .seconds(10)
    ) async throws -> WebSocketTestClient {
        var request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: \(Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString())\r\n"
        request += "Sec-WebSocket-Version: 13\r\n"
        if let cookie { request += "Cookie: \(cookie)\r\n" }
        if let origin { request += "Origin: \(origin)\r\n" }
        for (name, value) in extraHeaders { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        return try await connect(
            host: host, port: port, rawRequest: Array(request.utf8), autoPong: autoPong, localAddress: localAddress,
            receiveBufferBytes: receiveBufferBytes, group: group, timeout: timeout)
    }

    /// Sends `rawRequest` as is and waits for the HTTP response head.
    public static func connect(
        host: String = "127.0.0.1", port: Int, rawRequest: [UInt8], autoPong: Bool = true, localAddress: String? = nil,
        receiveBufferBytes: Int? = nil, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, timeout: Duration = .seconds(10)
    ) async throws -> WebSocketTestClient {
        let inbox = Inbox()
        var bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ClientHandler(inbox: inbox, autoPong: autoPong))
                }
            }
        if let localAddress {
            bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: localAddress, port: 0))
        }
        if let receiveBufferBytes {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferBytes))
        }
        let channel = try await bootstrap.connect(host: host, port: port).get()
        do {
            try await channel.writeAndFlush(ByteBuffer(bytes: rawRequest))
            let (status, headers) = try await inbox.handshake(timeout: timeout)
            return WebSocketTestClient(status: status, headers: headers, channel: channel, inbox: inbox)
        } catch {
            // No answer in time (a stopped server): do not leak the connection.
            try? await channel.close()
            throw error
        }
    }

    /// The next event, whatever it is.
    public func next(timeout: Duration = .seconds(10)) async throws -> Event {
        try await inbox.next(timeout: timeout)
    }

    /// The next text message, skipping pings and pongs. Throws on close or timeout.
    public func nextText(timeout: Duration = .seconds(10)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let event = try await next(timeout: deadline - ContinuousClock.now)
            switch event {
            case .text(let text): return text
            case .ping, .pong: continue
            default: throw UnexpectedEvent(event: event)
            }
        }
    }

    /// Waits until the server closes: returns the close frame's code (nil when the TCP
    /// connection ended without one). Text messages before the close are skipped.
    public func closeCode(timeout: Duration = .seconds(10)) async throws -> UInt16? {
        let deadline = ContinuousClock.now + timeout
        while true {
            switch try await next(timeout: deadline - ContinuousClock.now) {
            case .close(let code): return code
            case .disconnected: return nil
            default: continue
            }
        }
    }

    /// Waits until the TCP connection has ended.
    public func disconnected(timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if case .disconnected = try await next(timeout: deadline - ContinuousClock.now) { return }
        }
    }

    /// Asserts that nothing arrives within `window` (other than pings/pongs). Returns
    /// the unexpected event when something does.
    public func silence(for window: Duration) async -> Event? {
        let deadline = ContinuousClock.now + window
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return nil }
            guard let event = try? await next(timeout: left) else { return nil }
            switch event {
            case .ping, .pong: continue
            default: return event
            }
        }
    }

    /// Sends a masked frame (as a browser does); `masked: false` breaks the protocol on purpose.
    public func send(opcode: UInt8, payload: [UInt8], masked: Bool = true, fin: Bool = true) async throws {
        let frame = WebSocketFrameEncoder.encode(opcode: opcode, payload: payload, masking: masked ? .random : .none, fin: fin)
        try await channel.writeAndFlush(ByteBuffer(bytes: frame))
    }

    public func sendText(_ text: String) async throws {
        try await send(opcode: 0x1, payload: Array(text.utf8))
    }

    public func sendClose(code: UInt16 = 1000) async throws {
        try await send(opcode: 0x8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)])
    }

    public func sendRaw(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Stops reading from the socket (to make the server's send buffer fill up).
    public func pauseReading() async throws {
        try await channel.setOption(.autoRead, value: false)
    }

    /// With reading paused: reads once, at most what the socket holds (a slow reader
    /// calls this at its own pace).
    public func readOnce() {
        channel.read()
    }

    public func resumeReading() async throws {
        try await channel.setOption(.autoRead, value: true)
        channel.read()
    }

    /// Drops the TCP connection without a close frame.
    public func abort() async {
        try? await channel.close()
    }

    public struct UnexpectedEvent: Error, CustomStringConvertible {
        public let event: Event
        public var description: String { "unexpected \(event)" }
    }
}

/// Parses the handshake response, then server frames, into events.
///
/// Internal (not private) so that its unit tests can drive it on an `EmbeddedChannel`.
final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let inbox: Inbox
    private let autoPong: Bool
    /// The response head, until its blank line arrives.
    private var head: [UInt8] = []
    private var upgraded = false
    private var handshakeDone = false
    private var frames = WebSocketFrameDecoder()
    /// True while frames are being acted on: a read that re-enters the handler then (NIO
    /// drains the socket into `channelRead` when the pong's write fails) only appends,
    /// and the loop already running takes its frames after the current one, in order.
    private var delivering = false

    init(inbox: Inbox, autoPong: Bool) {
        self.inbox = inbox
        self.autoPong = autoPong
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if !handshakeDone {
            head += bytes.readBytes(length: bytes.readableBytes) ?? []
            guard let rest = parseHandshake() else { return }
            bytes = ByteBuffer(bytes: rest)
        }
        guard upgraded else { return }
        frames.append(&bytes)
        guard !delivering else { return }
        delivering = true
        defer { delivering = false }
        do {
            while let frame = try frames.next() { deliver(frame, context: context) }
        } catch {
            // A frame no client could read: the stream cannot go on.
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !handshakeDone {
            handshakeDone = true
            inbox.handshakeFailed()
        }
        inbox.push(.disconnected)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Reports the status and headers once the head is complete; returns the bytes after it.
    private func parseHandshake() -> ArraySlice<UInt8>? {
        let marker: [UInt8] = [13, 10, 13, 10]
        guard let end = head.indices.dropLast(3).first(where: { head[$0..<($0 + 4)].elementsEqual(marker) }) else { return nil }
        let text = String(decoding: head[..<end], as: UTF8.self)
        let rest = head[(end + 4)...]
        handshakeDone = true
        let lines = text.components(separatedBy: "\r\n")
        let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        upgraded = status == 101
        inbox.handshake(status: status, headers: headers)
        head = []
        return rest
    }

    private func deliver(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        switch frame.opcode {
        case WebSocketFrame.Opcode.text: inbox.push(.text(frame.text))
        case WebSocketFrame.Opcode.binary: inbox.push(.binary(frame.payload))
        case WebSocketFrame.Opcode.ping:
            // Reported first: the pong's write may re-enter `channelRead` (see `delivering`).
            inbox.push(.ping(frame.payload))
            if autoPong {
                let pong = WebSocketFrameEncoder.encode(opcode: WebSocketFrame.Opcode.pong, payload: frame.payload, masking: .random)
                context.writeAndFlush(NIOAny(ByteBuffer(bytes: pong)), promise: nil)
            }
        case WebSocketFrame.Opcode.pong: inbox.push(.pong(frame.payload))
        case WebSocketFrame.Opcode.close: inbox.push(.close(code: frame.closeCode))
        default: break
        }
    }
}

/// Events waiting to be read, and at most one reader waiting for them.
///
/// Internal (not private) so that the handler's unit tests can read what it reported.
final class Inbox: Sendable {
    private struct State {
        /// A FIFO: `events[head...]` are waiting (popping from the front of an array one
        /// by one would be quadratic for a reader that fell behind).
        var events: [WebSocketTestClient.Event] = []
        var head = 0
        var waiter: (id: UInt64, continuation: CheckedContinuation<WebSocketTestClient.Event?, Never>)?
        var handshake: (Int, [String: String])?
        var handshakeFailed = false
        var handshakeWaiter: CheckedContinuation<(Int, [String: String])?, Never>?
        var nextID: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())

    func handshake(status: Int, headers: [String: String]) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<(Int, [String: String])?, Never>? in
            state.handshake = (status, headers)
            defer { state.handshakeWaiter = nil }
            return state.handshakeWaiter
        }
        waiter?.resume(returning: (status, headers))
    }

    func handshakeFailed() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<(Int, [String: String])?, Never>? in
            state.handshakeFailed = true
            defer { state.handshakeWaiter = nil }
            return state.handshakeWaiter
        }
        waiter?.resume(returning: nil)
    }

    func handshake(timeout: Duration) async throws -> (Int, [String: String]) {
        let result = try await withTimeout(timeout, what: "the handshake response") {
            await withCheckedContinuation { (continuation: CheckedContinuation<(Int, [String: String])?, Never>) in
                let ready = self.state.withLockedValue { state -> (Int, [String: String])?? in
                    if let handshake = state.handshake { return .some(handshake) }
                    if state.handshakeFailed { return .some(nil) }
                    state.handshakeWaiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onTimeout: {
            self.handshakeFailed()
        }
        guard let result else { throw WebSocketTestClient.Timeout(what: "a handshake response (connection closed)") }
        return result
    }

    func push(_ event: WebSocketTestClient.Event) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<WebSocketTestClient.Event?, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter.continuation
            }
            state.events.append(event)
            return nil
        }
        waiter?.resume(returning: event)
    }

    func next(timeout: Duration) async throws -> WebSocketTestClient.Event {
        let id = state.withLockedValue { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        let event = try await withTimeout(timeout, what: "a WebSocket event") {
            await withCheckedContinuation { (continuation: CheckedContinuation<WebSocketTestClient.Event?, Never>) in
                let ready = self.state.withLockedValue { state -> WebSocketTestClient.Event? in
                    if state.head < state.events.count {
                        let event = state.events[state.head]
                        state.head += 1
                        if state.head >= 64, state.head * 2 >= state.events.count {
                            state.events.removeFirst(state.head)
                            state.head = 0
                        }
                        return event
                    }
                    state.waiter = (id, continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onTimeout: {
            let waiter = self.state.withLockedValue { state -> CheckedContinuation<WebSocketTestClient.Event?, Never>? in
                guard let waiter = state.waiter, waiter.id == id else { return nil }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume(returning: nil)
        }
        guard let event else { throw WebSocketTestClient.Timeout(what: "a WebSocket event") }
        return event
    }
}

/// Runs `body`; if it has not finished after `timeout`, calls `onTimeout` (which must
/// make `body` return) and throws.
func withTimeout<T: Sendable>(
    _ timeout: Duration, what: String, _ body: @escaping @Sendable () async -> T?, onTimeout: @escaping @Sendable () -> Void
) async throws -> T? {
    let timer = Task {
        try await Task.sleep(for: max(timeout, .zero))
        onTimeout()
    }
    let result = await body()
    timer.cancel()
    return result
}
