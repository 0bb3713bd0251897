import Events
import NIOCore

/// A socket's life in the hub: opened (within the caps), pinged, closed.
extension ChannelHub {
    enum OpenResult: Equatable {
        case opened
        case overTotalCap
        case overChannelCap
    }

    /// Registers a socket that just completed its upgrade, unless a connection cap is
    /// reached (the caller then closes it with 1013). With a `last_id`, the socket first
    /// gets what it missed, then live events; without, live events only.
    func open(_ session: SocketSession, lastID: StreamID?) -> OpenResult {
        if settings.maxTotalConnections > 0, registry.socketCount >= settings.maxTotalConnections {
            return reject(session, .overTotalCap)
        }
        if settings.maxConnectionsPerChannel > 0, registry.count(in: session.channelID) >= settings.maxConnectionsPerChannel {
            return reject(session, .overChannelCap)
        }
        registry.add(session)
        sweep.add(session)
        metrics.connectedClients.increment()
        session.cursor = ReplayCursor(lastID: lastID)
        logger.debug("socket opened", metadata: [
            "socket": "\(session.id)", "channel": "\(session.channelID)", "last_id": "\(lastID.map { "\($0)" } ?? "-")",
            "position": "\(position.map { "\($0)" } ?? "-")", "history_floor": "\(history.floor)", "writable": "\(session.channel.isWritable)",
        ])
        if session.realtime != nil {
            realtimeOpened(session)
            return .opened
        }
        guard lastID != nil else { return .opened }
        if position == nil {
            waitingForPosition.append(session)
        } else {
            pump(session)
        }
        return .opened
    }

    /// The handshake refused an upgrade (origin, token): counted here with the hub's metrics.
    func upgradeRejected() {
        metrics.upgradesRejected.increment()
    }

    /// A refused socket writes nothing more; its handler closes it with 1013.
    private func reject(_ session: SocketSession, _ result: OpenResult) -> OpenResult {
        metrics.connectionsRejected.increment()
        session.cursor.close()
        return result
    }

    /// Sends a close frame and stops writing to the socket; the connection is closed when
    /// the client answers, or after `closeGrace`.
    func close(_ session: SocketSession, code: ServerFrame.CloseCode, reason: String? = nil) {
        guard session.isOpen else { return }
        forget(session)
        session.cursor.close()
        let channel = session.channel
        let frame = reason.map { ServerFrame.close(code, reason: $0, allocator: allocator) } ?? ServerFrame.close(code, allocator: allocator)
        channel.writeAndFlush(frame, promise: nil)
        eventLoop.scheduleTask(in: settings.closeGrace) { channel.close(promise: nil) }
    }

    /// Drops a socket at once, without a close frame (upstream's `terminate`).
    func terminate(_ session: SocketSession) {
        forget(session)
        session.cursor.close()
        session.channel.close(promise: nil)
    }

    /// The connection is gone: forget the socket.
    func closed(_ session: SocketSession) {
        forget(session)
        session.cursor.close()
        waitingForPosition.removeAll { $0 === session }
    }

    private func forget(_ session: SocketSession) {
        session.replayTicket?.cancel()
        realtimeForgotten(session)
        registry.remove(session)
        sweep.remove(session)
    }

    func pong(_ session: SocketSession, payload: ByteBuffer) {
        if payload.readableBytesView.elementsEqual(session.id.utf8) {
            session.lastSeen = .now()
        }
    }

    /// The socket's send buffer crossed a watermark: a replaying socket whose client has
    /// read resumes its catch-up. (Slow consumers are judged after flushes, see
    /// `flushAndCheck`.)
    func writabilityChanged(_ session: SocketSession) {
        if session.channel.isWritable, session.cursor.phase == .replaying {
            pump(session)
        }
    }

    /// The socket's unsent bytes passed `maxSocketBufferBytes`: close it with 1013.
    /// Its reconnect with `last_id` replays what it did not get.
    func overflowed(_ session: SocketSession) {
        guard session.isOpen else { return }
        metrics.backpressureDisconnects.increment()
        logger.warning("closing slow client: send buffer over maxSocketBufferBytes", metadata: ["socket": "\(session.id)"])
        close(session, code: .tryAgainLater)
    }

    /// Sends close 1001 to every socket (shutdown or reload).
    func goAway() {
        for session in registry.allSessions { close(session, code: .goingAway) }
        for session in waitingForPosition { close(session, code: .goingAway) }
    }

    func collectEmptyChannels() {
        let removed = registry.collectEmptyChannels()
        if removed > 0 { logger.debug("removed empty channels", metadata: ["count": "\(removed)"]) }
    }

    // MARK: - Liveness

    /// One step of the staggered liveness sweep: the sockets of this step's bucket.
    func checkSocketsStep() {
        checkSockets(sweep.nextStepSockets())
    }

    /// Upstream's `checkSockets`: forget closed sockets, terminate those silent for
    /// `socketResponseTimeoutMs`, ping the others with their id as payload.
    func checkSockets() {
        checkSockets(sweep.allSockets)
    }

    private func checkSockets(_ sessions: [SocketSession]) {
        let now = NIODeadline.now()
        for session in sessions {
            let verdict = LivenessSweep.verdict(
                isActive: session.channel.isActive, lastSeen: session.lastSeen, now: now, responseTimeout: settings.responseTimeout)
            switch verdict {
            case .forget:
                closed(session)
            case .terminate:
                logger.debug("terminating unresponsive socket", metadata: ["socket": "\(session.id)"])
                terminate(session)
            case .ping:
                session.channel.writeAndFlush(ServerFrame.ping(session.id.utf8, allocator: allocator), promise: nil)
            }
        }
    }
}
