import Events
import Foundation
import NIOCore

/// Superset 7's realtime protocol in the hub: sockets bound to a principal (and tab),
/// Pub/Sub messages routed to them, expiry at `exp`, and the subscriber's health.
/// Realtime sockets live in the same registry, liveness sweep and drain as streams
/// sockets, under `RealtimeBinding.registryKey`.
extension ChannelHub {
    /// Upstream's close reason with 1012 (`markSubscriberUnhealthy`).
    static let subscriberLostReason = "realtime backend unavailable"

    /// Whether a realtime upgrade may be admitted now (upstream answers 503 otherwise).
    var realtimeAvailable: Bool { realtime?.subscriberHealthy == true }

    /// A realtime socket was registered: arm its expiry, then resume it if it asked.
    func realtimeOpened(_ session: SocketSession) {
        guard let binding = session.realtime, realtime != nil else { return }
        realtime!.sessions[ObjectIdentifier(session)] = session
        let delay = max(0, binding.expiresAt - Date().timeIntervalSince1970)
        let hub = bound
        binding.expiry = eventLoop.scheduleTask(in: .nanoseconds(Int64(delay * 1_000_000_000))) {
            hub.value.realtimeExpired(session)
        }
        guard binding.resume, let last = binding.lastMessageID else { return }
        switch realtime!.buffer.after(last) {
        case .messages(let missed):
            for message in missed where message.matches(channel: binding.channel, tab: binding.tab) {
                session.channel.write(message.frameWithID, promise: nil)
                realtime!.metrics.replayed.increment()
            }
        case .gap:
            realtime!.metrics.gaps.increment()
            session.channel.write(ServerFrame.text(RealtimeBinding.gapNotice(lastMessageID: last), allocator: allocator), promise: nil)
        }
        session.channel.flush()
    }

    /// A realtime socket left the registry.
    func realtimeForgotten(_ session: SocketSession) {
        guard session.realtime != nil else { return }
        session.realtime?.expiry?.cancel()
        realtime?.sessions.removeValue(forKey: ObjectIdentifier(session))
    }

    private func realtimeExpired(_ session: SocketSession) {
        guard session.isOpen else { return }
        logger.debug("closing realtime socket: token expired", metadata: ["socket": "\(session.id)"])
        realtime?.metrics.expired.increment()
        close(session, code: .policyViolation)
    }

    /// The subscriber confirmed its subscription (at start, or after a loss).
    func realtimeSubscribed() {
        guard realtime != nil else { return }
        realtime!.subscriberHealthy = true
        realtimeReady.succeed()
    }

    /// The subscriber lost Redis: messages published from now on reach no one here, so
    /// every realtime socket is closed with 1012 (Service Restart: reconnect and catch
    /// up) and new ones are refused with 503 until the subscriber is back. The buffer is
    /// cleared: a resume from before the loss gets a gap notice.
    func realtimeLost() {
        guard realtime != nil else { return }
        realtime!.subscriberHealthy = false
        realtime!.buffer.removeAll()
        realtime!.ids.reset()
        for session in Array(realtime!.sessions.values) {
            close(session, code: .serviceRestart, reason: Self.subscriberLostReason)
        }
    }

    /// Routes one Pub/Sub message (already decoded on the subscriber's thread).
    func deliverRealtime(_ envelope: RealtimeEnvelope, raw: [UInt8]) {
        guard realtime != nil else { return }
        let message = RealtimeMessage(envelope, id: realtime!.ids.next(for: raw), allocator: allocator)
        realtime!.buffer.append(message)
        realtime!.metrics.received.increment()
        var delivered = 0
        for session in realtimeRecipients(of: message) {
            guard let binding = session.realtime, session.isOpen else { continue }
            session.channel.writeAndFlush(binding.resume ? message.frameWithID : message.frame, promise: nil)
            delivered += 1
        }
        if delivered == 0 {
            logger.debug("realtime message matched no socket here", metadata: ["topic": "\(envelope.topic)"])
        }
        realtime!.metrics.delivered.increment(by: delivered)
    }

    /// The sockets a message goes to, each once however many routes match it.
    private func realtimeRecipients(of message: RealtimeMessage) -> [SocketSession] {
        guard let routes = message.routes else { return Array(realtime!.sessions.values) }
        var seen = Set<ObjectIdentifier>()
        var recipients: [SocketSession] = []
        for route in routes {
            var candidates = registry.sockets(in: RealtimeBinding.registryKey(for: route))
            // `user:<id>:<tab>`: the principal's sockets on that tab.
            if let colon = route.lastIndex(of: ":") {
                let tab = String(route[route.index(after: colon)...])
                if RealtimeBinding.isValidTab(tab) {
                    candidates += registry.sockets(in: RealtimeBinding.registryKey(for: String(route[..<colon])))
                }
            }
            for session in candidates where seen.insert(ObjectIdentifier(session)).inserted {
                if let binding = session.realtime, message.matches(channel: binding.channel, tab: binding.tab) {
                    recipients.append(session)
                }
            }
        }
        return recipients
    }
}

extension ChannelHub {
    /// A message that could not be decoded: counted, and given its place in the id chain
    /// (the next message's id depends on it in every worker alike).
    func realtimeSkipped(_ raw: [UInt8]) {
        guard realtime != nil else { return }
        _ = realtime!.ids.next(for: raw)
        realtime!.metrics.skipped.increment()
    }
}
