import NIOEmbedded
import Testing

@testable import Gateway

/// Removal in any order keeps every other socket registered exactly once (the registry
/// moves the channel's last socket into the freed slot).
@Suite struct ChannelRegistryTests {
    let loop = EmbeddedEventLoop()

    func session(_ id: String, channel: String = "a") -> SocketSession {
        SocketSession(id: id, channelID: channel, channel: EmbeddedChannel(loop: loop), now: .now())
    }

    @Test func removingFromTheMiddleFirstOrLastKeepsTheOthers() {
        var registry = ChannelRegistry()
        let sessions = (0..<6).map { session("s\($0)") }
        sessions.forEach { registry.add($0) }
        registry.add(session("b0", channel: "b"))
        for index in [2, 0, 5] {
            let removed = registry.remove(sessions[index])
            #expect(removed)
        }
        #expect(Set(registry.sockets(in: "a").map(\.id)) == ["s1", "s3", "s4"])
        #expect(registry.socketCount == 4)
        let again = registry.remove(sessions[2])
        #expect(!again, "a second removal is a no-op")
        for index in [1, 3, 4] {
            let removed = registry.remove(sessions[index])
            #expect(removed)
        }
        #expect(registry.sockets(in: "a").isEmpty)
        #expect(registry.sockets(in: "b").map(\.id) == ["b0"])
        #expect(registry.socketCount == 1)
    }

    @Test func aSessionOfAnotherChannelIsNotRemovedByMistake() {
        var registry = ChannelRegistry()
        let a = session("a0")
        registry.add(a)
        let stranger = session("x0", channel: "x")
        stranger.registrySlot = 0
        let removed = registry.remove(stranger)
        #expect(!removed)
        #expect(registry.sockets(in: "a").map(\.id) == ["a0"])
    }
}

@Suite struct SocketIDsTests {
    @Test func idsAreDistinctWithinAWorkerAndCarryItsPrefix() {
        let ids = SocketIDs(prefix: "abc")
        let made = (0..<1_000).map { _ in ids.next() }
        #expect(Set(made).count == 1_000)
        #expect(made.first == "abc-1" && made.last == "abc-3e8")
    }

    @Test func twoWorkersDrawDifferentPrefixes() {
        let a = SocketIDs().next()
        let b = SocketIDs().next()
        #expect(a != b)
        #expect(a.utf8.count <= 125, "an id is a ping payload")
        #expect(a.utf8.count <= 15, "short enough for a String to hold inline")
    }
}
