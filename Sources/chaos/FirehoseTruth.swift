import Events
import Foundation
import NIOConcurrencyHelpers
import RedisStreams

/// The truth the clients are judged against: every entry of `<prefix>full`, by channel,
/// in stream order, read with plain `XRANGE` pages (not the service's `XREAD` reader).
/// It pages along as the run goes, so a long run outlives the firehose's `MAXLEN`
/// trimming; it retries through Redis restarts.
final class FirehoseTruth: Sendable {
    private struct State {
        var byChannel: [String: [StreamID]] = [:]
        var last: StreamID = .zero
        var entries = 0
        var malformed = 0
        var stop = false
    }

    private let endpoint: RedisEndpoint
    private let stream: String
    private let state = NIOLockedValueBox(State())
    private let finished = DispatchSemaphore(value: 0)

    init(endpoint: RedisEndpoint, prefix: String = "async-events-") {
        self.endpoint = endpoint
        stream = prefix + "full"
    }

    var entries: Int { state.withLockedValue { $0.entries } }
    var malformed: Int { state.withLockedValue { $0.malformed } }

    /// The firehose ids of `channel`'s events after `id`.
    func ids(of channel: String, after id: StreamID) -> [StreamID] {
        state.withLockedValue { state in
            let all = state.byChannel[channel] ?? []
            guard let first = all.firstIndex(where: { $0 > id }) else { return [] }
            return Array(all[first...])
        }
    }

    func start() {
        let thread = Thread { [self] in
            let connection = RedisConnection(endpoint: endpoint)
            while !state.withLockedValue({ $0.stop }) {
                _ = try? collect(on: connection)
                usleep(300_000)  // Pacing the pages; the end drains with `drain()`.
            }
            connection.close()
            finished.signal()
        }
        thread.name = "chaos-truth"
        thread.start()
    }

    /// Stops paging, then reads up to the stream's last generated id (retrying while
    /// Redis comes back). Throws when that cannot be done within `timeout` seconds.
    func drain(timeout: Double) throws {
        state.withLockedValue { $0.stop = true }
        finished.wait()
        let connection = RedisConnection(endpoint: endpoint)
        defer { connection.close() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        var lastError = "no attempt"
        while Date() < deadline {
            do {
                _ = try collect(on: connection)
                let generated = try connection.lastGeneratedID(stream: stream)
                if state.withLockedValue({ $0.last }) >= generated { return }
            } catch {
                lastError = "\(error)"
                connection.close()
                usleep(100_000)
            }
        }
        throw SetupError("could not read the whole firehose: \(lastError)")
    }

    /// Reads every page after the last entry seen. Returns how many entries were new.
    @discardableResult
    private func collect(on connection: RedisConnection) throws -> Int {
        do {
            if !connection.isConnected { try connection.connect() }
            var total = 0
            while true {
                let after = state.withLockedValue { $0.last }
                let page = try connection.xrange(stream: stream, from: after == .zero ? .zero : after.successor, to: nil, count: 2_000)
                guard !page.isEmpty else { return total }
                state.withLockedValue { state in
                    for entry in page {
                        state.entries += 1
                        state.last = entry.id
                        switch EventEncoder.encode(entry) {
                        case .success(let event): state.byChannel[event.channelID, default: []].append(entry.id)
                        case .failure: state.malformed += 1
                        }
                    }
                }
                total += page.count
                if page.count < 2_000 { return total }
            }
        } catch {
            connection.close()
            throw error
        }
    }
}
