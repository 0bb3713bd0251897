import Events
import Foundation
import RedisStreams
import TestSupport

/// One chaos run, start to verdict: the service and Redis, the truth collector, the
/// publisher, the clients, the faults; then the end's settling, the audit and the report.
struct ChaosRun {
    let options: ChaosOptions
    let service: ChaosService

    /// Returns true when every client got exactly its channel's events.
    func run() async throws -> Bool {
        let begin = Date()
        func say(_ line: String) { Console.line(line, since: begin) }
        say("chaos \(options.mode.rawValue): seed \(options.seed), \(Int(options.duration)) s of publishing, "
            + "\(options.channels) channels with clients + \(options.idleChannels) without + \(options.slowClients) hot; "
            + "\(options.clients) clients + \(options.slowClients * ChaosOptions.slowTabsPerHotChannel) slow ones "
            + "(\(ChaosOptions.slowTabsPerHotChannel) and a normal tab on each hot channel)")
        try service.start()
        say("service up: supervisor \(service.supervisorPID ?? 0), workers \(service.workers), port \(service.port); "
            + "redis-server \(service.redis.port) with appendonly (fsync always); maxSocketBufferBytes \(options.maxSocketBufferBytes == 0 ? "default" : String(options.maxSocketBufferBytes))")

        var random = SeededRandom(seed: options.seed)
        let runTag = String(UInt32(truncatingIfNeeded: random.next()), radix: 16)
        let channels = (0..<options.channels).map { "chaos-\(runTag)-\($0)" }
        let idle = (0..<options.idleChannels).map { "chaos-\(runTag)-idle-\($0)" }
        let hotChannels = (0..<options.slowClients).map { "chaos-\(runTag)-hot-\($0)" }
        let hot = HotSchedule(begin: .now + .seconds(4), period: options.hotPeriod, window: options.hotWindow)
        let publisher = ChaosPublisher(
            endpoint: service.redis.endpoint, channels: channels + idle, hotChannels: hotChannels, hot: hot, options: options)
        try publisher.warmUp(count: options.warmEvents)
        let truth = FirehoseTruth(endpoint: service.redis.endpoint)
        truth.start()

        var clients: [ChaosClient] = []
        for index in 0..<options.clients {
            clients.append(ChaosClient(index: index, channel: channels[index % channels.count], slow: false, port: service.port, hot: hot, seed: options.seed))
        }
        for channel in hotChannels {
            for _ in 0..<ChaosOptions.slowTabsPerHotChannel {
                clients.append(ChaosClient(index: clients.count, channel: channel, slow: true, port: service.port, hot: hot, seed: options.seed))
            }
            clients.append(ChaosClient(index: clients.count, channel: channel, slow: false, port: service.port, hot: hot, seed: options.seed))
        }

        publisher.start(seconds: options.duration)
        let publishingEnds = Date(timeIntervalSinceNow: options.duration)
        say("publishing: \(Int(options.rate)) events/s, a burst of \(options.burstSize) channels in one round trip every "
            + "\(options.burstEvery) s, \(Int(options.hotRate)) events/s of ~\(options.hotEventBytes) B on each hot channel "
            + "for \(Int(options.hotWindow)) s of every \(Int(options.hotPeriod)) s")

        // Clients join over the first seconds, each from the firehose's newest id then,
        // as a tab that opens while events flow.
        let admin = RedisConnection(endpoint: service.redis.endpoint)
        var tasks: [Task<Void, Never>] = []
        for client in clients {
            let start = try await newestFirehoseID(admin)
            tasks.append(Task { await client.run(from: start) })
            try? await Task.sleep(for: .milliseconds(max(1, 2_000 / clients.count)))  // Pacing the joins.
        }
        admin.close()
        say("\(clients.count) clients connected or connecting")

        let injector = FaultInjector(service: service, clients: clients, options: options, begin: begin)
        injector.start(until: publishingEnds.addingTimeInterval(-3))
        var lastProgress = Date()
        while Date() < publishingEnds {
            try? await Task.sleep(for: .milliseconds(250))  // Pacing the progress lines.
            if Date().timeIntervalSince(lastProgress) >= 10 {
                lastProgress = Date()
                let received = clients.reduce(0) { $0 + $1.record.received.count }
                say("progress: \(publisher.counts.events) events published, \(received) messages received, workers \(service.workers)")
            }
        }
        try await offThread { publisher.join() }
        try await offThread { injector.stopAndWait() }
        for worker in service.workers { kill(worker, SIGCONT) }
        if !service.redis.isRunning { try service.redis.restart() }
        try await offThread { try truth.drain(timeout: 30) }
        say("publishing done: \(publisher.counts.events) events acknowledged, firehose holds \(truth.entries) entries; settling")

        // The end: every client must catch up with its channel's last event.
        let settleDeadline = Date(timeIntervalSinceNow: options.settleTimeout)
        var behind = clients
        while Date() < settleDeadline {
            behind = clients.filter { client in
                guard let last = truth.ids(of: client.channel, after: client.record.initialLastID ?? .zero).last else { return false }
                return (client.lastID ?? .zero) < last
            }
            if behind.isEmpty { break }
            try? await Task.sleep(for: .milliseconds(100))  // Polling many clients' progress.
        }
        let settledIn = Date().timeIntervalSince(publishingEnds)
        for client in clients { client.stop() }
        for task in tasks { await task.value }
        let counters = service.statusCounters()
        let faults = injector.summary

        let verdicts = clients.map { DeliveryAudit.judge($0, truth: truth) }
        let total = verdicts.reduce(DeliveryAudit.Verdict()) { $0 + $1.verdict }
        let report = ChaosReport(
            options: options, publisher: publisher.counts, truthEntries: truth.entries, clients: clients, faults: faults,
            counters: counters, verdicts: verdicts, total: total, behind: behind.count, settledIn: settledIn,
            elapsed: Date().timeIntervalSince(begin))
        Console.line(report.render())
        return report.passed
    }

    private func newestFirehoseID(_ admin: RedisConnection) async throws -> StreamID {
        for _ in 0..<100 {
            do {
                if !admin.isConnected { try admin.connect() }
                return try admin.lastGeneratedID(stream: "async-events-full")
            } catch {
                admin.close()
                try? await Task.sleep(for: .milliseconds(100))  // Redis is restarting: retry.
            }
        }
        throw SetupError("cannot read the firehose's newest id")
    }
}

/// Runs blocking work (a thread join, Redis paging) on a thread of its own.
func offThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}
