import NIOCore

/// The worker's lifecycle as the hub sees it: timers, the connections a drain waits for,
/// shutdown.
extension ChannelHub {
    /// Starts the liveness (ping) and channel GC timers.
    func startTimers() {
        let hub = bound
        let step = LivenessSweep.stepDelay(for: settings.pingInterval)
        timers.append(eventLoop.scheduleRepeatedTask(initialDelay: step, delay: step) { _ in
            hub.value.checkSocketsStep()
        })
        timers.append(eventLoop.scheduleRepeatedTask(initialDelay: settings.gcInterval, delay: settings.gcInterval) { _ in
            hub.value.collectEmptyChannels()
        })
    }

    /// Counts a TCP connection (upgraded or not) until it closes: a drain waits for it.
    func track(_ channel: any Channel) {
        connections.opened(channel)
        let hub = bound
        channel.closeFuture.whenComplete { _ in hub.value.connections.closed(channel) }
    }

    /// Sends close 1001 to every socket (shutdown or reload) and completes when every
    /// connection has closed; what is still open after `timeout` is closed.
    func drain(within timeout: TimeAmount) -> EventLoopFuture<Void> {
        goAway()
        let all = connections.allClosed(on: eventLoop)
        let hub = bound
        let deadline = eventLoop.scheduleTask(in: timeout) { hub.value.connections.closeAll() }
        all.whenComplete { _ in deadline.cancel() }
        return all
    }

    /// Stops the timers and closes every connection at once.
    func shutdown() {
        timers.forEach { $0.cancel() }
        timers.removeAll()
        connections.closeAll()
    }
}
