import Events
import NIOCore

/// The hub carries out what a replaying socket's `ReplayCursor` asks for: writes, fetches
/// from the `ReplaySource`, the history walk.
extension ChannelHub {
    private func fetch(_ session: SocketSession, after lastID: StreamID, upTo position: StreamID) {
        let target = NIOLoopBound((self, session), eventLoop: eventLoop)
        let loop = eventLoop
        session.replayTicket = replaySource.fetch(channelID: session.channelID, after: lastID, upTo: position) { result in
            loop.execute {
                let (hub, session) = target.value
                hub.finishFetch(session, result)
            }
        }
    }

    private func finishFetch(_ session: SocketSession, _ result: Result<ReplayBatch, any Error>) {
        session.replayTicket = nil
        logger.debug("replay fetched", metadata: [
            "socket": "\(session.id)",
            "result": "\((try? result.get()).map { "\($0.events.count) events up to \($0.upTo)" } ?? "failed")",
        ])
        let outcome: ReplayCursor.FetchOutcome
        switch result {
        case .success(let batch): outcome = session.cursor.fetched(batch, allocator: allocator)
        case .failure: outcome = session.cursor.fetchFailed()
        }
        switch outcome {
        case .ignored:
            break
        case .resume(let firstGap):
            if firstGap {
                metrics.replayGaps.increment()
                logger.warning(
                    "last_id is older than the firehose holds; replayed from the channel stream, events may be missing",
                    metadata: ["socket": "\(session.id)", "last_id": "\(session.cursor.lastSentID.map { "\($0)" } ?? "-")"])
            }
            pump(session)
        case .resumeFromPosition:
            logger.warning(
                "last_id is newer than anything in the firehose; nothing to replay, sending events from the worker's position",
                metadata: ["socket": "\(session.id)", "position": "\(session.cursor.lastSentID.map { "\($0)" } ?? "-")"])
            pump(session)
        case .closeAndRetry:
            if case .failure(let error) = result {
                logger.warning("replay failed; closing so the client retries", metadata: ["socket": "\(session.id)", "error": "\(error)"])
            }
            close(session, code: .tryAgainLater)
        }
    }

    /// Moves a replaying socket's cursor while its send buffer has room. Resumed by
    /// `writabilityChanged` when the client has read.
    func pump(_ session: SocketSession) {
        defer {
            session.flushIfNeeded()
            tally.record(into: metrics)
        }
        while true {
            switch session.cursor.next(position: position, historyFloor: history.floor, writable: session.channel.isWritable) {
            case .wait:
                return
            case .write(let event):
                session.write(event)
                tally.replayed += 1
            case .fetch(let after, let upTo):
                return fetch(session, after: after, upTo: upTo)
            case .replayHistory(let after):
                for event in history.events(for: session.channelID, after: after) {
                    guard session.channel.isWritable else { return }
                    if session.send(event) { tally.replayed += 1 }
                }
                return session.cursor.historyWritten(writable: session.channel.isWritable)
            }
        }
    }
}
