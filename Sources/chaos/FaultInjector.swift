import Foundation
import TestSupport
import NIOConcurrencyHelpers

/// Breaks things while the publisher runs, one fault at a time, every `faultEvery`
/// seconds (jittered), drawing from a shuffled deck of every kind so that even a short
/// run injects each kind at least once. Prints each fault as it happens.
final class FaultInjector: Sendable {
    enum Kind: String, CaseIterable, Sendable {
        /// Random tabs lose their connection (half abort TCP, half close cleanly).
        case dropClients = "drop clients"
        case killWorker = "SIGKILL a worker"
        /// SIGSTOP, then SIGCONT before the heartbeat timeout: the worker catches up.
        case pauseWorker = "SIGSTOP+SIGCONT a worker"
        /// SIGSTOP and leave it: the supervisor must replace it.
        case hangWorker = "SIGSTOP a worker until replaced"
        case restartRedis = "restart redis-server"
        /// SIGKILL redis-server, leave it down a moment, start it again.
        case crashRedis = "crash redis-server"
        /// SIGHUP: a new generation of workers, the old one drains with 1001.
        case reload = "reload (SIGHUP)"
    }

    struct Summary: Sendable {
        var counts: [Kind: Int] = [:]
        var clientsDropped = 0
        var anomalies: [String] = []
        var maxOpenFilesHere = 0
        var maxOpenFilesWorker = 0
    }

    private let service: ChaosService
    private let clients: [any DroppableClient]
    private let options: ChaosOptions
    private let begin: Date
    private let state = NIOLockedValueBox((summary: Summary(), stop: false))
    private let finished = DispatchSemaphore(value: 0)

    init(service: ChaosService, clients: [any DroppableClient], options: ChaosOptions, begin: Date) {
        self.service = service
        self.clients = clients
        self.options = options
        self.begin = begin
    }

    var summary: Summary { state.withLockedValue { $0.summary } }

    func start(until end: Date) {
        let thread = Thread { [self] in
            run(until: end)
            finished.signal()
        }
        thread.name = "chaos-faults"
        thread.start()
    }

    /// Stops after the fault in progress (which always completes: a stopped worker is
    /// continued, Redis is running again).
    func stopAndWait() {
        state.withLockedValue { $0.stop = true }
        finished.wait()
    }

    private var stopped: Bool { state.withLockedValue { $0.stop } }

    private func run(until end: Date) {
        var random = SeededRandom(seed: options.seed &+ 2)
        var deck: [Kind] = []
        while !stopped {
            let gap = options.faultEvery * random.seconds(in: 0.6...1.4)
            if !sleep(seconds: gap, until: end) { break }
            if deck.isEmpty { deck = Kind.allCases.shuffled(using: &random) }
            let kind = deck.removeFirst()
            inject(kind, random: &random)
            state.withLockedValue { $0.summary.counts[kind, default: 0] += 1 }
            sampleOpenFiles()
        }
    }

    /// Pacing between faults; false when the run should end instead.
    private func sleep(seconds: Double, until end: Date) -> Bool {
        let wake = Date(timeIntervalSinceNow: seconds)
        while Date() < wake {
            if stopped || Date() >= end { return false }
            usleep(50_000)
        }
        return !stopped && Date() < end
    }

    private func say(_ line: String) {
        Console.line("fault: " + line, since: begin)
    }

    private func anomaly(_ line: String) {
        say("ANOMALY: " + line)
        state.withLockedValue { $0.summary.anomalies.append(line) }
    }

    private func inject(_ kind: Kind, random: inout SeededRandom) {
        switch kind {
        case .dropClients:
            let victims = random.sample(clients, count: max(1, clients.count / 10))
            var clean = 0
            var away = 0
            for victim in victims {
                let isClean = random.next(below: 2) == 0
                if isClean { clean += 1 }
                // A third stay away long enough that their replay outgrows the workers'
                // in-memory history and comes from Redis.
                let seconds = random.next(below: 3) == 0 ? random.seconds(in: 3...10) : 0
                if seconds > 0 { away += 1 }
                Task { await victim.drop(clean: isClean, away: seconds) }
            }
            state.withLockedValue { $0.summary.clientsDropped += victims.count }
            say("dropped \(victims.count) clients (\(clean) with a close frame, \(victims.count - clean) by aborting TCP; "
                + "\(away) stay away 3-10 s)")
        case .killWorker:
            guard let victim = pickWorker(&random) else { return }
            kill(victim, SIGKILL)
            say("SIGKILL worker \(victim)")
            awaitReplacement(of: [victim], within: 6)
        case .pauseWorker:
            guard let victim = pickWorker(&random) else { return }
            let pause = random.seconds(in: 0.3...1.5)
            kill(victim, SIGSTOP)
            say(String(format: "SIGSTOP worker \(victim), SIGCONT after %.1f s", pause))
            usleep(useconds_t(pause * 1_000_000))
            kill(victim, SIGCONT)
        case .hangWorker:
            guard let victim = pickWorker(&random) else { return }
            kill(victim, SIGSTOP)
            say("SIGSTOP worker \(victim) and leave it to the supervisor")
            if !waitUntil(seconds: 9, { !ProcessTable.isAlive(victim) }) {
                kill(victim, SIGCONT)
                anomaly("the supervisor did not replace stopped worker \(victim) within 9 s; continued it")
            }
            awaitReplacement(of: [victim], within: 6)
        case .restartRedis:
            say("restart redis-server (SIGTERM, start again)")
            restartRedis()
        case .crashRedis:
            let down = random.seconds(in: 0.3...1.2)
            service.redis.kill()
            say(String(format: "SIGKILL redis-server, down for %.1f s", down))
            usleep(useconds_t(down * 1_000_000))
            restartRedis()
        case .reload:
            guard let supervisor = service.supervisorPID else { return }
            let old = service.workers
            kill(supervisor, SIGHUP)
            say("SIGHUP the supervisor (workers \(old.map(String.init).joined(separator: ", ")) retire)")
            awaitReplacement(of: old, within: 10)
        }
    }

    private func pickWorker(_ random: inout SeededRandom) -> Int32? {
        let workers = service.workers
        guard !workers.isEmpty else {
            anomaly("no worker to pick")
            return nil
        }
        return workers[random.next(below: workers.count)]
    }

    /// Waits until two workers run and none of `old` is among them.
    private func awaitReplacement(of old: [Int32], within seconds: Double) {
        let ok = waitUntil(seconds: seconds) {
            let now = service.workers
            return now.count == 2 && Set(now).isDisjoint(with: old)
        }
        if !ok { anomaly("workers \(old) not replaced within \(Int(seconds)) s (now \(service.workers))") }
    }

    private func restartRedis() {
        for attempt in 1...5 {
            do {
                try service.redis.restart()
                return
            } catch {
                anomaly("redis-server restart attempt \(attempt) failed: \(error)")
                usleep(200_000)
            }
        }
    }

    /// Polls another process's state (there is no event to await across processes).
    private func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    private func sampleOpenFiles() {
        let here = ProcessTable.openFiles(of: getpid()) ?? 0
        let worker = service.workers.compactMap { ProcessTable.openFiles(of: $0) }.max() ?? 0
        state.withLockedValue {
            $0.summary.maxOpenFilesHere = max($0.summary.maxOpenFilesHere, here)
            $0.summary.maxOpenFilesWorker = max($0.summary.maxOpenFilesWorker, worker)
        }
    }
}

/// A tab the injector can cut off (streams and realtime clients alike).
protocol DroppableClient: Sendable {
    func drop(clean: Bool, away: Double) async
}

extension ChaosClient: DroppableClient {}
