import Events
import Foundation
import NIOConcurrencyHelpers
import RedisStreams
import TestSupport

/// `chaos --realtime`: Superset 7's realtime protocol under the same faults as the
/// streams run. A publisher `PUBLISH`es Superset-7-shaped messages (user, tab and
/// broadcast routes), each carrying its sequence number; clients resume with
/// `?resume=1&last_message_id=` after every close. Each client must end with every
/// message routed to it after its first one, once each and in order, except what a
/// `realtime.gap` notice told it about (counted as excused, never as lost).
struct RealtimeChaosRun {
    let options: ChaosOptions
    let service: ChaosService

    /// How long clients get to reach a final broadcast before another is published: a
    /// client resuming through a replaced worker reconnects within about a second.
    static let finalRepeatInterval = 3.0

    func run() async throws -> Bool {
        let begin = Date()
        func say(_ line: String) { Console.line(line, since: begin) }
        say("chaos \(options.mode.rawValue) realtime: seed \(options.seed), \(Int(options.duration)) s of publishing, "
            + "\(options.clients) clients over \(options.channels) users, \(Int(options.rate)) messages/s")
        try service.start()
        say("service up: supervisor \(service.supervisorPID ?? 0), workers \(service.workers), port \(service.port); "
            + "redis-server \(service.redis.port); protocol realtime")

        let users = max(1, options.channels)
        let clients = (0..<options.clients).map { index in
            RealtimeChaosClient(index: index, user: "c\(index % users)", tab: "t\(index)", port: service.port, seed: options.seed)
        }
        var tasks: [Task<Void, Never>] = []
        for client in clients {
            tasks.append(Task { await client.run() })
            try? await Task.sleep(for: .milliseconds(max(1, 1_000 / clients.count)))  // Pacing the joins.
        }
        let publisher = RealtimePublisher(endpoint: service.redis.endpoint, users: users, tabs: options.clients, options: options)
        publisher.start(seconds: options.duration)
        let publishingEnds = Date(timeIntervalSinceNow: options.duration)
        say("\(clients.count) clients connecting; publishing \(Int(options.rate)) messages/s (1/5 broadcast, 2/5 user, 2/5 tab routes)")

        let injector = FaultInjector(service: service, clients: clients, options: options, begin: begin)
        injector.start(until: publishingEnds.addingTimeInterval(-3))
        while Date() < publishingEnds {
            try? await Task.sleep(for: .milliseconds(250))  // Pacing the wait for the publishing's end.
        }
        try await offThread { injector.stopAndWait() }
        for worker in service.workers { kill(worker, SIGCONT) }
        if !service.redis.isRunning { try service.redis.restart() }
        try await offThread { publisher.join() }
        // The end: a last broadcast every client must get. After a late "SIGSTOP until
        // replaced", the stopped worker keeps its clients (and its subscriber, which
        // `PUBLISH` counts) until the supervisor's SIGKILL, which can come just after the
        // final broadcast. Those clients then resume on a worker whose buffer cannot
        // cover their last id: they are rightly told of a gap, and nothing newer comes.
        // So the final broadcast is published again while clients are behind; each must
        // reach the newest one, and the audit covers every message up to it.
        var last = try await offThread { try publisher.publishFinal(timeout: 15) }
        say("publishing done: \(publisher.truth.count) messages (final broadcast \(last)); settling")

        let settleDeadline = Date(timeIntervalSinceNow: options.settleTimeout)
        var finalPublished = Date()
        var behind = clients
        while Date() < settleDeadline {
            behind = clients.filter { !$0.hasReached(last) }
            if behind.isEmpty { break }
            if Date().timeIntervalSince(finalPublished) >= Self.finalRepeatInterval {
                last = try await offThread { try publisher.publishFinal(timeout: 5) }
                finalPublished = Date()
                say("\(behind.count) of \(clients.count) clients behind: final broadcast again (\(last))")
            }
            try? await Task.sleep(for: .milliseconds(100))  // Polling the clients' progress.
        }
        for client in clients { client.stop() }
        for task in tasks { await task.value }

        let truth = publisher.truth
        var total = RealtimeAudit.Verdict()
        var worst: [String] = []
        for client in clients {
            let verdict = RealtimeAudit.judge(client.record, user: client.user, tab: client.tab, truth: truth, last: last)
            total = total + verdict
            if !verdict.passed, worst.count < 5 { worst.append("client \(client.index) (user \(client.user), tab \(client.tab)): \(verdict.summary)") }
        }
        let faults = injector.summary
        let records = clients.map(\.record)
        var lines: [String] = []
        lines.append("published: \(truth.count) messages, \(truth.values.filter { $0.state == .acknowledged }.count) acknowledged, "
            + "\(truth.values.filter { $0.state == .unknown }.count) unknown (connection lost before the reply), "
            + "\(publisher.failures) refused while Redis was down")
        lines.append("faults: " + FaultInjector.Kind.allCases.map { "\($0.rawValue) \(faults.counts[$0] ?? 0)" }.joined(separator: ", ")
            + "; \(faults.clientsDropped) client drops")
        let missing = FaultInjector.Kind.allCases.filter { (faults.counts[$0] ?? 0) == 0 }
        if !missing.isEmpty { lines.append("not injected this run: " + missing.map(\.rawValue).joined(separator: ", ")) }
        let closes = records.reduce(into: [UInt16: Int]()) { sum, record in sum.merge(record.closeCodes) { $0 + $1 } }
        lines.append("clients: \(records.reduce(0) { $0 + $1.upgrades }) upgrades, \(records.reduce(0) { $0 + $1.failedHandshakes }) refused handshakes, "
            + "close codes \(closes.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))")
        lines.append("resume: \(total.received) messages received, \(total.gaps) gap notices excusing \(total.excused) messages "
            + "(the buffer could not cover them: a new or replaced worker, a lost subscriber, or too old)")
        lines.append("lost \(total.lost), duplicated \(total.duplicated), out of order \(total.reordered), unexpected \(total.unexpected)")
        if !behind.isEmpty { lines.append("\(behind.count) clients never got the final broadcast \(last)") }
        lines.append(contentsOf: worst)
        lines.append(contentsOf: faults.anomalies.map { "anomaly: " + $0 })
        let passed = total.passed && behind.isEmpty && faults.anomalies.isEmpty && total.received > 0
        lines.append(passed ? "PASS" : "FAIL")
        Console.line(lines.joined(separator: "\n"))
        return passed
    }
}

/// What the publisher knows of one message.
struct PublishedMessage: Sendable {
    enum State: Sendable { case acknowledged, unknown }
    /// Nil: a broadcast (`authenticated_global`).
    let route: String?
    let state: State

    func reaches(user: String, tab: String) -> Bool {
        guard let route else { return true }
        return route == "user:\(user)" || route == "user:\(user):\(tab)"
    }
}

/// Publishes at `options.rate` on its own thread, one `PUBLISH` per message, as
/// Superset 7's producer does; reconnects while Redis is down (those messages are not
/// published and not expected).
final class RealtimePublisher: Sendable {
    private let endpoint: RedisEndpoint
    private let users: Int
    private let tabs: Int
    private let options: ChaosOptions
    private let state = NIOLockedValueBox((truth: [Int: PublishedMessage](), next: 1, failures: 0))
    private let finished = DispatchSemaphore(value: 0)

    init(endpoint: RedisEndpoint, users: Int, tabs: Int, options: ChaosOptions) {
        self.endpoint = endpoint
        self.users = users
        self.tabs = tabs
        self.options = options
    }

    var truth: [Int: PublishedMessage] { state.withLockedValue { $0.truth } }
    var failures: Int { state.withLockedValue { $0.failures } }

    func start(seconds: Double) {
        let thread = Thread { [self] in
            publish(until: Date(timeIntervalSinceNow: seconds))
            finished.signal()
        }
        thread.name = "chaos-realtime-publisher"
        thread.start()
    }

    func join() { finished.wait() }

    private func publish(until end: Date) {
        var random = SeededRandom(seed: options.seed &+ 11)
        let connection = RedisConnection(endpoint: endpoint)
        defer { connection.close() }
        let interval = 1.0 / options.rate
        var due = Date()
        while Date() < end {
            let kind = random.next(below: 5)
            let tab = random.next(below: tabs)
            let route: String? = switch kind {
            case 0: nil
            case 1, 2: "user:c\(random.next(below: users))"
            default: "user:c\(tab % users):t\(tab)"  // Client `tab`'s own tab route.
            }
            _ = send(route: route, over: connection)
            due = due.addingTimeInterval(interval)
            let wait = due.timeIntervalSinceNow
            if wait > 0 { usleep(UInt32(wait * 1_000_000)) }  // Pacing the publishing rate.
        }
    }

    /// One message; its sequence number is taken whether or not Redis takes it. Returns
    /// the sequence number and how many subscribers Redis gave it to, when acknowledged.
    @discardableResult
    private func send(route: String?, over connection: RedisConnection) -> (seq: Int, receivers: Int64)? {
        let seq = state.withLockedValue { state -> Int in
            defer { state.next += 1 }
            return state.next
        }
        let message = route.map {
            SupersetEvent.realtimeJSON(topic: "task.status", scope: $0.split(separator: ":").count > 2 ? "tab" : "principal", routes: [$0],
                                       payload: "{\"task_id\": \"\(seq)\", \"status\": \"success\", \"seq\": \(seq)}")
        } ?? SupersetEvent.realtimeJSON(topic: "entity.changed", scope: RealtimeEnvelope.broadcastScope, routes: [],
                                        payload: "{\"entity_type\": \"task\", \"id\": \"\(seq)\", \"seq\": \(seq)}")
        if !connection.isConnected {
            do { try connection.connect() } catch {
                state.withLockedValue { $0.failures += 1 }
                return nil
            }
        }
        do {
            guard case .integer(let receivers) = try connection.command(["PUBLISH", "realtime", message]) else {
                throw SetupError("PUBLISH refused")
            }
            state.withLockedValue { $0.truth[seq] = PublishedMessage(route: route, state: .acknowledged) }
            return (seq, receivers)
        } catch {
            // Sent or not: Redis may have taken it before the connection died.
            state.withLockedValue { $0.truth[seq] = PublishedMessage(route: route, state: .unknown) }
            connection.close()
            return nil
        }
    }

    /// A last broadcast, published again until both workers' subscribers got it (after a
    /// late fault they may still be re-subscribing); its sequence number.
    func publishFinal(timeout: Double) throws -> Int {
        let connection = RedisConnection(endpoint: endpoint)
        defer { connection.close() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if let sent = send(route: nil, over: connection), sent.receivers >= 2 { return sent.seq }
            usleep(100_000)  // Redis or a subscriber is coming back: retry.
        }
        throw SetupError("the final broadcast was not acknowledged within \(Int(timeout)) s")
    }
}

/// A Superset 7 browser tab with this server's opt-in resume: `?tab_id=` and
/// `?resume=1`, then `&last_message_id=<id>` after any close. Records every message's
/// sequence number and every gap notice, in order, across its connections.
final class RealtimeChaosClient: DroppableClient {
    enum Entry: Sendable, Equatable {
        case message(Int)
        case gap
    }

    struct Record: Sendable {
        var entries: [Entry] = []
        var lastMessageID: String?
        var upgrades = 0
        var failedHandshakes = 0
        var closeCodes: [UInt16: Int] = [:]
        var unparsable = 0
    }

    private struct State {
        var record = Record()
        var connection: WebSocketTestClient?
        var away: Double = 0
        var stop = false
    }

    let index: Int
    let user: String
    let tab: String
    private let port: Int
    private let seed: UInt64
    private let cookie: String
    private let state = NIOLockedValueBox(State())

    init(index: Int, user: String, tab: String, port: Int, seed: UInt64) {
        self.index = index
        self.user = user
        self.tab = tab
        self.port = port
        self.seed = seed
        cookie = TestTokens.cookie(TestTokens.realtime(user: user, exp: Int(Date().timeIntervalSince1970) + 3_600), name: "superset-ws-token")
    }

    var record: Record { state.withLockedValue { $0.record } }

    func hasReached(_ seq: Int) -> Bool {
        state.withLockedValue { $0.record.entries.contains { if case .message(let got) = $0 { got >= seq } else { false } } }
    }

    func stop() { state.withLockedValue { $0.stop = true } }

    private var stopped: Bool { state.withLockedValue { $0.stop } }

    func drop(clean: Bool, away: Double) async {
        guard let connection = state.withLockedValue({ state -> WebSocketTestClient? in
            if state.connection != nil { state.away = away }
            return state.connection
        }) else { return }
        if clean { try? await connection.sendClose(code: 1000) } else { await connection.abort() }
    }

    func run() async {
        var random = SeededRandom(seed: seed &+ UInt64(index) &* 7_919)
        while !stopped {
            let last = state.withLockedValue { $0.record.lastMessageID }
            let path = "/?tab_id=\(tab)&resume=1" + (last.map { "&last_message_id=\($0)" } ?? "")
            guard let socket = await connectTab(port: port, path: path, cookie: cookie) else {
                state.withLockedValue { $0.record.failedHandshakes += 1 }
                await pause(&random, 0.1...0.4)
                continue
            }
            state.withLockedValue {
                $0.record.upgrades += 1
                $0.connection = socket
            }
            await read(socket)
            state.withLockedValue { $0.connection = nil }
            await socket.abort()
            let away = state.withLockedValue { state -> Double in
                defer { state.away = 0 }
                return state.away
            }
            await pause(&random, (0.02 + away)...(0.3 + away))
        }
    }

    private func read(_ socket: WebSocketTestClient) async {
        while !stopped {
            let event: WebSocketTestClient.Event
            do {
                event = try await socket.next(timeout: .milliseconds(250))
            } catch {
                continue  // Nothing for a while: check whether to stop, then wait again.
            }
            switch event {
            case .text(let text): received(text)
            case .close(let code):
                state.withLockedValue { $0.record.closeCodes[code ?? 0, default: 0] += 1 }
                try? await socket.sendClose(code: code ?? 1000)
                return
            case .disconnected: return
            case .ping, .pong, .binary: continue
            }
        }
    }

    private func received(_ text: String) {
        if text.hasPrefix(#"{"topic":"realtime.gap""#) {
            state.withLockedValue { $0.record.entries.append(.gap) }
            return
        }
        guard text.hasPrefix(#"{"id":""#), let idEnd = text.dropFirst(7).firstIndex(of: "\""),
              let seqStart = text.range(of: #""seq":"#), let seq = Int(text[seqStart.upperBound...].prefix { $0.isNumber }) else {
            state.withLockedValue { $0.record.unparsable += 1 }
            return
        }
        let id = String(text[text.index(text.startIndex, offsetBy: 7)..<idEnd])
        state.withLockedValue {
            $0.record.entries.append(.message(seq))
            $0.record.lastMessageID = id
        }
    }

    private func pause(_ random: inout SeededRandom, _ range: ClosedRange<Double>) async {
        try? await Task.sleep(for: .milliseconds(Int(random.seconds(in: range) * 1_000)))  // Pacing reconnects.
    }
}

/// Judges one realtime client against what was published.
enum RealtimeAudit {
    struct Verdict: Sendable {
        var received = 0
        var lost = 0
        var duplicated = 0
        var reordered = 0
        var unexpected = 0
        var gaps = 0
        var excused = 0

        var passed: Bool { lost == 0 && duplicated == 0 && reordered == 0 && unexpected == 0 }
        var summary: String { "lost \(lost), duplicated \(duplicated), out of order \(reordered), unexpected \(unexpected), gaps \(gaps) excusing \(excused)" }

        static func + (a: Verdict, b: Verdict) -> Verdict {
            Verdict(received: a.received + b.received, lost: a.lost + b.lost, duplicated: a.duplicated + b.duplicated,
                    reordered: a.reordered + b.reordered, unexpected: a.unexpected + b.unexpected, gaps: a.gaps + b.gaps,
                    excused: a.excused + b.excused)
        }
    }

    /// From the client's first message on, every acknowledged message routed to it up to
    /// `last` must arrive once and in order; a gap notice excuses the messages between
    /// the one before it and the one after it (they may have been missed, and the client
    /// was told). Messages whose `PUBLISH` reply was lost may or may not arrive.
    static func judge(_ record: RealtimeChaosClient.Record, user: String, tab: String, truth: [Int: PublishedMessage], last: Int) -> Verdict {
        var verdict = Verdict()
        var seen = Set<Int>()
        var highest = 0
        var first: Int?
        var excusedRanges: [ClosedRange<Int>] = []
        var gapOpenAfter: Int?
        for entry in record.entries {
            switch entry {
            case .gap:
                verdict.gaps += 1
                if gapOpenAfter == nil { gapOpenAfter = highest }
            case .message(let seq):
                verdict.received += 1
                if first == nil { first = seq }
                if let after = gapOpenAfter {
                    if seq > after + 1 { excusedRanges.append((after + 1)...(seq - 1)) }
                    gapOpenAfter = nil
                }
                guard let message = truth[seq], message.reaches(user: user, tab: tab) else {
                    verdict.unexpected += 1
                    continue
                }
                if !seen.insert(seq).inserted {
                    verdict.duplicated += 1
                } else if seq < highest {
                    verdict.reordered += 1
                }
                highest = max(highest, seq)
            }
        }
        if let after = gapOpenAfter, last > after { excusedRanges.append((after + 1)...last) }
        guard let first else {
            verdict.lost = 1  // Not even the final broadcast.
            return verdict
        }
        for seq in stride(from: first + 1, through: last, by: 1) where !seen.contains(seq) {
            guard let message = truth[seq], message.state == .acknowledged, message.reaches(user: user, tab: tab) else { continue }
            if excusedRanges.contains(where: { $0.contains(seq) }) {
                verdict.excused += 1
            } else {
                verdict.lost += 1
            }
        }
        return verdict
    }
}
