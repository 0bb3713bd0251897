import NIOCore

/// Every TCP connection of a worker, upgraded or not, and the waiters of a drain: on
/// shutdown or reload the worker waits until they have all closed (or closes what is
/// left when the drain times out). Confined to the worker's event loop.
struct ConnectionSet {
    private var connections: [ObjectIdentifier: any Channel] = [:]
    private var drainWaiters: [EventLoopPromise<Void>] = []

    var count: Int { connections.count }

    mutating func opened(_ channel: any Channel) {
        connections[ObjectIdentifier(channel)] = channel
    }

    /// Forgets the connection; the last one to close completes the drain waiters.
    mutating func closed(_ channel: any Channel) {
        connections[ObjectIdentifier(channel)] = nil
        if connections.isEmpty {
            drainWaiters.forEach { $0.succeed() }
            drainWaiters.removeAll()
        }
    }

    /// Completes when every connection has closed (at once when none is open).
    mutating func allClosed(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        if connections.isEmpty { return eventLoop.makeSucceededVoidFuture() }
        let promise = eventLoop.makePromise(of: Void.self)
        drainWaiters.append(promise)
        return promise.futureResult
    }

    /// Closes whatever is still open (the drain deadline passed, or shutdown).
    func closeAll() {
        for channel in connections.values { channel.close(promise: nil) }
    }
}
