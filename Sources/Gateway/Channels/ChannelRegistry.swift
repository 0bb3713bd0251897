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
        channels[session.channelID, default: []].append(session)
        socketCount += 1
    }

    /// Returns false when the session was not registered (already removed).
    @discardableResult
    mutating func remove(_ session: SocketSession) -> Bool {
        guard var list = channels[session.channelID],
              let index = list.firstIndex(where: { $0 === session })
        else { return false }
        list.remove(at: index)
        channels[session.channelID] = list
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
