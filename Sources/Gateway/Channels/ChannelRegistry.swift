/// Which sockets listen to which channel. A channel may have many sockets (tabs).
/// Like upstream, a channel whose last socket left stays until the periodic GC.
struct ChannelRegistry {
    private(set) var channels: [String: [SocketSession]] = [:]
    private(set) var socketCount = 0

    var channelCount: Int { channels.count }

    func sockets(in channelID: String) -> [SocketSession] {
        channels[channelID] ?? []
    }

    func count(in channelID: String) -> Int {
        channels[channelID]?.count ?? 0
    }

    mutating func add(_ session: SocketSession) {
        session.registrySlot = channels[session.channelID]?.count ?? 0
        channels[session.channelID, default: []].append(session)
        socketCount += 1
    }

    /// Returns false when the session was not registered (already removed).
    ///
    /// O(1): the session knows its slot, the last socket of the channel takes it, and the
    /// list is changed in place. (Copying the list out of the dictionary and back made
    /// every removal copy and retain the whole channel: a channel of 10,000 sockets that
    /// all disconnected kept the loop busy long enough to miss heartbeats.)
    @discardableResult
    mutating func remove(_ session: SocketSession) -> Bool {
        let id = session.channelID
        let slot = session.registrySlot
        guard slot >= 0, let count = channels[id]?.count, slot < count, channels[id]?[slot] === session else { return false }
        let last = count - 1
        if slot != last {
            let moved = channels[id]![last]
            channels[id]![slot] = moved
            moved.registrySlot = slot
        }
        channels[id]!.removeLast()
        session.registrySlot = -1
        socketCount -= 1
        return true
    }

    /// Removes channels without sockets; returns how many were removed.
    @discardableResult
    mutating func collectEmptyChannels() -> Int {
        let before = channels.count
        channels = channels.filter { !$0.value.isEmpty }
        return before - channels.count
    }

    var allSessions: [SocketSession] {
        channels.values.flatMap { $0 }
    }
}
