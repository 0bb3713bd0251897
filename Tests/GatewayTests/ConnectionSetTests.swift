import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import Gateway

/// The connection set and the drain built on it.
@Suite struct ConnectionSetTests {
    let loop = EmbeddedEventLoop()

    func connected() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    @Test func aDrainWithNothingOpenCompletesAtOnce() {
        var set = ConnectionSet()
        let done = NIOLockedValueBox(false)
        set.allClosed(on: loop).whenSuccess { done.withLockedValue { $0 = true } }
        #expect(done.withLockedValue { $0 })
    }

    @Test func theDrainCompletesWhenTheLastConnectionCloses() throws {
        var set = ConnectionSet()
        let (a, b) = (try connected(), try connected())
        set.opened(a)
        set.opened(b)
        set.opened(a)
        #expect(set.count == 2, "a connection is counted once")
        let told = NIOLockedValueBox(0)
        set.allClosed(on: loop).whenSuccess { told.withLockedValue { $0 += 1 } }
        set.allClosed(on: loop).whenSuccess { told.withLockedValue { $0 += 1 } }
        set.closed(a)
        #expect(told.withLockedValue { $0 } == 0)
        set.closed(b)
        #expect(told.withLockedValue { $0 } == 2, "every waiter is told")
        set.opened(a)
        set.closed(a)
        #expect(told.withLockedValue { $0 } == 2, "waiters are told once")
    }

    @Test func closeAllClosesWhatIsOpen() throws {
        var set = ConnectionSet()
        let (a, b) = (try connected(), try connected())
        set.opened(a)
        set.opened(b)
        set.closeAll()
        #expect(!a.isActive && !b.isActive)
    }

    @Test func theHubTracksConnectionsUntilTheyCloseAndDrainsWithGoingAway() throws {
        let hub = ChannelHub(eventLoop: loop, settings: .init(), replaySource: ManualReplaySource(), logger: testLogger)
        let plain = try connected()
        let socket = try connected()
        hub.track(plain)
        hub.track(socket)
        let session = SocketSession(id: "s", channelID: "a", channel: socket, now: .now())
        #expect(hub.open(session, lastID: nil) == .opened)
        let drained = NIOLockedValueBox(false)
        hub.drain(within: .seconds(10)).whenSuccess { drained.withLockedValue { $0 = true } }
        let frames = try writtenFrames(socket)
        #expect(frames.count == 1 && closeCode(frames[0].payload) == 1001)
        try plain.close().wait()
        #expect(!drained.withLockedValue { $0 })
        try socket.close().wait()
        loop.run()
        #expect(drained.withLockedValue { $0 })
        #expect(hub.connections.count == 0)
    }

    @Test func theDrainClosesWhatIsLeftAtItsDeadline() throws {
        let hub = ChannelHub(eventLoop: loop, settings: .init(), replaySource: ManualReplaySource(), logger: testLogger)
        let stuck = try connected()
        hub.track(stuck)
        let drained = NIOLockedValueBox(false)
        hub.drain(within: .seconds(5)).whenSuccess { drained.withLockedValue { $0 = true } }
        loop.advanceTime(by: .seconds(4))
        #expect(stuck.isActive && !drained.withLockedValue { $0 })
        loop.advanceTime(by: .seconds(1))
        #expect(!stuck.isActive)
        #expect(drained.withLockedValue { $0 })
    }
}
