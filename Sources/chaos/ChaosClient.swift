import Events
import Foundation
import NIOConcurrencyHelpers
import TestSupport

/// A browser tab as Superset's front end behaves: it remembers the id of the last
/// message it processed and, after any close (a close frame, a dropped connection, a
/// refused or unanswered handshake), reconnects with `?last_id=<that id>`. Every id it
/// receives is recorded, in order, across all its connections: that is what the audit
/// judges.
///
/// A slow client (on a hot channel) reads at a trickle while its channel is hot, as a
/// backgrounded tab on a bad link would, so that the server's send buffer for it passes
/// `maxSocketBufferBytes`; then it reads at full speed again.
final class ChaosClient: Sendable {
    struct Record: Sendable {
        var initialLastID: StreamID?
        var lastID: StreamID?
        var received: [StreamID] = []
        /// Messages whose `channel_id` is not this client's channel.
        var foreign = 0
        var unparsable = 0
        var upgrades = 0
        var failedHandshakes = 0
        var closeCodes: [UInt16: Int] = [:]
        /// The connection ended without a close frame.
        var disconnects = 0
        var drops = 0
        /// Where the tab is now, for the report of a client that fell behind: its open
        /// connection's local port (nil between connections), when it connected, and
        /// when its last message came.
        var localPort: Int?
        var connectedAt: ContinuousClock.Instant?
        var lastMessageAt: ContinuousClock.Instant?

        var whereabouts: String {
            let now = ContinuousClock.now
            func ago(_ instant: ContinuousClock.Instant?) -> String {
                instant.map { String(format: "%.1f s ago", Double((now - $0).components.seconds) + Double((now - $0).components.attoseconds) / 1e18) } ?? "never"
            }
            let connection = localPort.map { "connected on local port \($0) since \(ago(connectedAt))" } ?? "not connected"
            return "\(upgrades) upgrades, \(connection), last message \(ago(lastMessageAt))"
        }
    }

    private struct State {
        var record = Record()
        var connection: WebSocketTestClient?
        /// After a drop: the tab stays away this long (a laptop lid closed).
        var away: Double = 0
        var stop = false
    }

    let index: Int
    let channel: String
    let slow: Bool
    private let port: Int
    private let cookie: String
    private let channelMarker: String
    private let hot: HotSchedule
    private let seed: UInt64
    private let state = NIOLockedValueBox(State())

    init(index: Int, channel: String, slow: Bool, port: Int, hot: HotSchedule, seed: UInt64) {
        self.index = index
        self.channel = channel
        self.slow = slow
        self.port = port
        self.hot = hot
        self.seed = seed
        cookie = TestTokens.cookie(TestTokens.superset(channel: channel))
        channelMarker = "\"channel_id\":\"\(channel)\""
    }

    var record: Record { state.withLockedValue { $0.record } }
    var lastID: StreamID? { state.withLockedValue { $0.record.lastID } }

    /// Ends the run loop (after its current wait, at most ~250 ms).
    func stop() {
        state.withLockedValue { $0.stop = true }
    }

    /// The tab loses its connection at a random moment: aborted TCP, or a clean close
    /// frame. It reconnects, as the front end does, after `away` seconds.
    func drop(clean: Bool, away: Double) async {
        guard let connection = state.withLockedValue({ state -> WebSocketTestClient? in
            if state.connection != nil {
                state.record.drops += 1
                state.away = away
            }
            return state.connection
        }) else { return }
        if clean {
            try? await connection.sendClose(code: 1000)
        } else {
            await connection.abort()
        }
    }

    private var stopped: Bool { state.withLockedValue { $0.stop } }

    /// Connects (and reconnects) until `stop()`. `lastID` is where this tab starts: the
    /// firehose's newest id when it first connects.
    func run(from lastID: StreamID) async {
        state.withLockedValue {
            $0.record.initialLastID = lastID
            $0.record.lastID = lastID
        }
        var random = SeededRandom(seed: seed &+ UInt64(index) &* 7_919)
        while !stopped {
            let path = self.lastID.map { "/?last_id=\($0)" } ?? "/"
            guard let socket = await connectTab(port: port, path: path, cookie: cookie, receiveBufferBytes: slow ? 4_096 : nil) else {
                state.withLockedValue { $0.record.failedHandshakes += 1 }
                await pause(&random, 0.1...0.4)
                continue
            }
            state.withLockedValue {
                $0.record.upgrades += 1
                $0.record.localPort = socket.localPort
                $0.record.connectedAt = .now
                $0.connection = socket
            }
            await read(socket)
            state.withLockedValue {
                $0.connection = nil
                $0.record.localPort = nil
            }
            await socket.abort()
            // Superset's front end waits 2.5 s; shorter here, so that more happens.
            let away = state.withLockedValue { state -> Double in
                defer { state.away = 0 }
                return state.away
            }
            await pause(&random, (0.02 + away)...(0.3 + away))
        }
    }

    /// Reads one connection until it closes or the run stops.
    private func read(_ socket: WebSocketTestClient) async {
        var trickle: Task<Void, Never>?
        defer { trickle?.cancel() }
        while !stopped {
            if slow { trickle = await adjustPace(socket, trickle: trickle) }
            let event: WebSocketTestClient.Event
            do {
                event = try await socket.next(timeout: .milliseconds(250))
            } catch {
                continue  // Nothing for a while: check whether to stop, then wait again.
            }
            switch event {
            case .text(let text):
                received(text)
            case .close(let code):
                state.withLockedValue { $0.record.closeCodes[code ?? 0, default: 0] += 1 }
                try? await socket.sendClose(code: code ?? 1000)
                return
            case .disconnected:
                state.withLockedValue { $0.record.disconnects += 1 }
                return
            case .ping, .pong, .binary:
                continue
            }
        }
    }

    /// While the channel is hot: reading paused, one read per 250 ms (at most what a
    /// 4 KiB receive buffer holds, so some 30 KB/s). Otherwise: full speed.
    private func adjustPace(_ socket: WebSocketTestClient, trickle: Task<Void, Never>?) async -> Task<Void, Never>? {
        let shouldTrickle = hot.isTrickling(at: .now)
        if shouldTrickle, trickle == nil {
            try? await socket.pauseReading()
            return Task {
                while !Task.isCancelled {
                    socket.readOnce()
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
        }
        if !shouldTrickle, let trickle {
            trickle.cancel()
            try? await socket.resumeReading()
            return nil
        }
        return trickle
    }

    private func received(_ text: String) {
        guard let start = text.range(of: "{\"id\":\""), let end = text[start.upperBound...].firstIndex(of: "\""),
              let id = StreamID(redis: text[start.upperBound..<end]) else {
            state.withLockedValue { $0.record.unparsable += 1 }
            return
        }
        let foreign = !text.contains(channelMarker)
        state.withLockedValue {
            $0.record.received.append(id)
            $0.record.lastID = id
            $0.record.lastMessageAt = .now
            if foreign { $0.record.foreign += 1 }
        }
    }

    /// Pacing between reconnects (not synchronisation).
    private func pause(_ random: inout SeededRandom, _ range: ClosedRange<Double>) async {
        try? await Task.sleep(for: .milliseconds(Int(random.seconds(in: range) * 1_000)))
    }
}

/// One handshake as a tab makes it: the upgraded socket, or nil when the connection or
/// the upgrade failed (the socket is closed then; the tab pauses and tries again).
func connectTab(port: Int, path: String, cookie: String, receiveBufferBytes: Int? = nil) async -> WebSocketTestClient? {
    guard let socket = try? await WebSocketTestClient.connect(
        port: port, path: path, cookie: cookie, receiveBufferBytes: receiveBufferBytes, timeout: .seconds(3)) else { return nil }
    guard socket.isUpgraded else {
        await socket.abort()
        return nil
    }
    return socket
}

/// When hot channels get their large events, and when slow clients trickle: hot windows
/// of `window` seconds every `period` seconds from `begin`; slow clients trickle from the
/// start of a window until 1 s before its end, then read at full speed to find out
/// whether they were cut off.
struct HotSchedule: Sendable {
    let begin: ContinuousClock.Instant
    let period: Double
    let window: Double

    private func offset(at instant: ContinuousClock.Instant) -> Double? {
        let elapsed = instant - begin
        guard elapsed >= .zero else { return nil }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds.truncatingRemainder(dividingBy: period)
    }

    func isHot(at instant: ContinuousClock.Instant) -> Bool {
        offset(at: instant).map { $0 < window } ?? false
    }

    func isTrickling(at instant: ContinuousClock.Instant) -> Bool {
        offset(at: instant).map { $0 < window - 1 } ?? false
    }
}
