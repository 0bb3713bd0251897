import Events
import Foundation
import NIOCore
import NIOEmbedded
import Testing
import TestSupport

@testable import Gateway

/// The hub's realtime side (Superset 7's protocol) on an embedded event loop: routing,
/// at-most-once delivery across routes, expiry, the subscriber's loss, resume.
@Suite struct RealtimeHubTests {
    let loop = EmbeddedEventLoop()
    let source = ManualReplaySource()

    func makeHub(bufferMaxMessages: Int = 100) -> ChannelHub {
        let hub = ChannelHub(eventLoop: loop, settings: ChannelHub.Settings(), replaySource: source, logger: testLogger)
        hub.realtime = RealtimeState(
            bufferMaxMessages: bufferMaxMessages, bufferMaxBytes: 1 << 20, metrics: RealtimeMetrics(factory: hub.metricsBackend))
        hub.realtimeSubscribed()
        return hub
    }

    /// A realtime socket as the handshake admits it.
    func socket(
        _ hub: ChannelHub, channel: String, tab: String? = nil, resume: Bool = false, lastMessageID: String? = nil,
        expiresAt: Double = Date().timeIntervalSince1970 + 900
    ) throws -> (SocketSession, EmbeddedChannel) {
        let embedded = EmbeddedChannel(loop: loop)
        try embedded.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let session = SocketSession(id: "s", channelID: RealtimeBinding.registryKey(for: channel), channel: embedded, now: .now())
        session.realtime = RealtimeBinding(channel: channel, tab: tab, resume: resume, lastMessageID: lastMessageID, expiresAt: expiresAt)
        #expect(hub.open(session, lastID: nil) == .opened)
        return (session, embedded)
    }

    func publish(_ hub: ChannelHub, _ message: String) throws {
        let bytes = Array(message.utf8)
        hub.deliverRealtime(try RealtimeEnvelope.decode(bytes).get(), raw: bytes)
    }

    func task(_ id: String, routes: [String], scope: String = "principal") -> String {
        SupersetEvent.realtimeJSON(topic: "task.status", scope: scope, routes: routes, payload: "{\"task_id\": \"\(id)\"}")
    }

    func browser(_ id: String) -> String { #"{"topic":"task.status","payload":{"task_id":"\#(id)"}}"# }

    @Test func eachRouteReachesExactlyItsSocketsAndBroadcastsReachEveryRealtimeSocket() throws {
        let hub = makeHub()
        let (_, user) = try socket(hub, channel: "user:1")
        let (_, tabA) = try socket(hub, channel: "user:2", tab: "tabA")
        let (_, tabB) = try socket(hub, channel: "user:2", tab: "tabB")
        let (_, guest) = try socket(hub, channel: "guest:abc")
        // A streams socket whose channel id looks like a realtime route.
        let streamsEmbedded = EmbeddedChannel(loop: loop)
        try streamsEmbedded.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        #expect(hub.open(SocketSession(id: "x", channelID: "user:1", channel: streamsEmbedded, now: .now()), lastID: nil) == .opened)

        try publish(hub, task("u1", routes: ["user:1"]))
        try publish(hub, task("a", routes: ["user:2:tabA"], scope: "tab"))
        try publish(hub, task("both-tabs", routes: ["user:2"]))
        try publish(hub, task("g", routes: ["guest:abc"]))
        try publish(hub, task("nobody", routes: ["user:9", "user:1:tabA", "guest:abc:tabA"]))
        try publish(hub, #"{"topic": "entity.changed", "scope": "authenticated_global", "payload": {"id": 1}}"#)
        let nudge = #"{"topic":"entity.changed","payload":{"id":1}}"#

        #expect(try writtenTexts(user) == [browser("u1"), nudge])
        #expect(try writtenTexts(tabA) == [browser("a"), browser("both-tabs"), nudge])
        #expect(try writtenTexts(tabB) == [browser("both-tabs"), nudge])
        #expect(try writtenTexts(guest) == [browser("g"), nudge])
        #expect(try writtenTexts(streamsEmbedded).isEmpty, "realtime messages never reach streams sockets")
        #expect(hub.count("ws_realtime_received") == 6)
        #expect(hub.count("ws_realtime_delivered") == 9)
    }

    @Test func aSocketGetsAMessageOnceHoweverManyOfItsRoutesMatch() throws {
        let hub = makeHub()
        let (_, tabA) = try socket(hub, channel: "user:2", tab: "tabA")
        let (_, tabB) = try socket(hub, channel: "user:2", tab: "tabB")
        try publish(hub, task("t", routes: ["user:2", "user:2:tabA", "user:2", "user:2:tabB"]))
        #expect(try writtenTexts(tabA) == [browser("t")])
        #expect(try writtenTexts(tabB) == [browser("t")])
        #expect(hub.count("ws_realtime_delivered") == 2)
    }

    @Test func theSocketIsClosedWith1008WhenItsTokenExpires() throws {
        let hub = makeHub()
        let (_, expiring) = try socket(hub, channel: "user:1", expiresAt: Date().timeIntervalSince1970 + 5)
        let (_, lasting) = try socket(hub, channel: "user:1")
        loop.advanceTime(by: .seconds(3))
        #expect(try writtenFrames(expiring).isEmpty, "not before exp")
        loop.advanceTime(by: .seconds(3))
        let frames = try writtenFrames(expiring)
        #expect(frames.count == 1 && frames[0].opcode == WebSocketFrame.Opcode.close && closeCode(frames[0].payload) == 1008)
        #expect(hub.count("ws_token_expired_disconnect") == 1)
        try publish(hub, task("after", routes: ["user:1"]))
        #expect(try writtenTexts(expiring).isEmpty, "an expired socket gets nothing more")
        #expect(try writtenTexts(lasting) == [browser("after")])
    }

    @Test func losingTheSubscriberClosesEveryRealtimeSocketWith1012AndRefusesUntilItIsBack() throws {
        let hub = makeHub()
        #expect(hub.realtimeAvailable)
        let (_, user) = try socket(hub, channel: "user:1")
        let (_, guest) = try socket(hub, channel: "guest:abc", tab: "t")
        let streamsEmbedded = EmbeddedChannel(loop: loop)
        try streamsEmbedded.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        #expect(hub.open(SocketSession(id: "x", channelID: "legacy", channel: streamsEmbedded, now: .now()), lastID: nil) == .opened)

        hub.realtimeLost()
        #expect(!hub.realtimeAvailable, "upgrades get 503 and /ready 503")
        for socket in [user, guest] {
            let frames = try writtenFrames(socket)
            #expect(frames.count == 1)
            #expect(frames.first.map { closeCode($0.payload) } == 1012)
            #expect(frames.first.map { String(decoding: $0.payload.dropFirst(2), as: UTF8.self) } == "realtime backend unavailable")
        }
        #expect(try writtenFrames(streamsEmbedded).isEmpty, "streams sockets stay open")
        hub.realtimeSubscribed()
        #expect(hub.realtimeAvailable)
    }

    @Test func resumeSendsWhatWasMissedOnceInOrderOrAGapNotice() throws {
        let hub = makeHub()
        let (_, first) = try socket(hub, channel: "user:1", resume: true)
        try publish(hub, task("1", routes: ["user:1"]))
        let seen = try writtenTexts(first)
        #expect(seen.count == 1)
        let id = try #require(seen.first.flatMap { $0.split(separator: "\"").dropFirst(3).first.map(String.init) })
        #expect(seen.first == #"{"id":"\#(id)","topic":"task.status","payload":{"task_id":"1"}}"#)
        try publish(hub, task("other", routes: ["user:2"]))
        try publish(hub, task("2", routes: ["user:1"]))
        try publish(hub, task("3", routes: ["user:1"]))

        let (_, resumed) = try socket(hub, channel: "user:1", resume: true, lastMessageID: id)
        let replayed = try writtenTexts(resumed)
        #expect(replayed.count == 2)
        #expect(replayed.map { $0.contains(#""task_id":"2""#) } == [true, false])
        #expect(replayed.map { $0.contains(#""task_id":"3""#) } == [false, true])
        #expect(hub.count("ws_realtime_replayed") == 2)

        let (_, unknown) = try socket(hub, channel: "user:1", resume: true, lastMessageID: "0123456789abcdef")
        #expect(try writtenTexts(unknown) == [#"{"topic":"realtime.gap","payload":{"last_message_id":"0123456789abcdef"}}"#])

        // A socket without `resume=1` gets upstream's bytes, with no id.
        let (_, plain) = try socket(hub, channel: "user:1")
        try publish(hub, task("4", routes: ["user:1"]))
        #expect(try writtenTexts(plain) == [browser("4")])
    }
}
