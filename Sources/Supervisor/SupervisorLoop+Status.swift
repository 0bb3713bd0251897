import Glibc
import IPC

extension SupervisorLoop {
    /// Sends `assignments` with the current `STATUS=` in the same datagram.
    func notifyWithStatus(_ assignments: String, now: Int64) {
        notifier.notify("\(assignments)\nSTATUS=\(statusLine(now: now).text)")
        statusDirty = false
    }

    /// `STATUS=` every ``SupervisorOptions/statusIntervalMs`` and after state changes.
    func refreshStatusIfDue(now: Int64) {
        if now >= nextStatusAt {
            nextStatusAt = now + options.statusIntervalMs
            updateEventsRate(now: now)
            statusDirty = true
        }
        guard statusDirty else { return }
        statusDirty = false
        notifier.notify("STATUS=\(statusLine(now: now).text)")
    }

    /// Each worker reads the whole firehose, so the sum of their `ws_events_read` grows
    /// `workers` times faster than the stream: the rate shown is per worker.
    /// Shown once some worker reported the counter.
    private func updateEventsRate(now: Int64) {
        let total = counters.totals[HeartbeatCounter.eventsRead]
        let reporting = currentProcesses.filter { $0.heartbeat != nil }.count
        if let rate = eventsRate.rate(total: total ?? 0, now: now), total != nil {
            eventsPerSecond = rate / Double(max(1, reporting))
        }
    }

    /// Active processes of the serving generation.
    var currentProcesses: [WorkerProcess] {
        current.pids.compactMap { processes[$0] }
    }

    func statusLine(now: Int64) -> StatusLine {
        let live = processes.values.filter { !$0.hasExited }
        let ready = currentProcesses.filter { $0.phase == .ready }
        let stopping = if case .stopping = lifecycle { true } else { false }
        var line = StatusLine(
            // While stopping, what is left matters, whatever its phase.
            workers: stopping ? live.count : ready.count,
            connections: live.reduce(0) { $0 + ($1.heartbeat?.connections ?? 0) },
            channels: live.reduce(0) { $0 + ($1.heartbeat?.channels ?? 0) },
            eventsPerSecond: eventsPerSecond,
            redisStates: currentProcesses.compactMap { $0.heartbeat?.redisState }
        )
        switch lifecycle {
        case .starting:
            line.prefix = "starting (\(ready.count)/\(current.slots.count) ready)"
        case let .reloading(next, _):
            let nextReady = next.pids.compactMap { processes[$0] }.filter { $0.phase == .ready }.count
            line.prefix = "reloading (generation \(next.number): \(nextReady)/\(next.slots.count) ready)"
        case .stopping:
            line.prefix = failureReason == nil ? "stopping" : "failed"
        case .running:
            break
        }
        if let failureReason {
            line.note = failureReason
        } else if let lastReloadError {
            line.note = "reload failed: \(lastReloadError)"
        }
        return line
    }

    func publishSnapshot(now: Int64, stopped: Bool) {
        let restartsBySlot = Dictionary(
            (activeGenerations + [current]).flatMap { generation in
                generation.slots.map { ("\(generation.number)/\($0.index)", $0.restarts) }
            },
            uniquingKeysWith: { first, _ in first })
        let workers = processes.values.sorted { ($0.generation, $0.index, $0.pid) < ($1.generation, $1.index, $1.pid) }
            .map { process in
                SupervisorSnapshot.Worker(
                    pid: process.pid,
                    generation: process.generation,
                    index: process.index,
                    phase: process.phase.name,
                    startedAtEpochMs: process.startedAtEpochMs,
                    lastHeartbeatAgeMs: now - process.lastSignOfLifeAt,
                    connections: process.heartbeat?.connections ?? 0,
                    channels: process.heartbeat?.channels ?? 0,
                    redisState: process.heartbeat?.redisState,
                    readerProgressAgeMs: process.heartbeat?.readerProgressAgeMs,
                    firehoseLastID: process.heartbeat?.firehoseLastID,
                    restarts: restartsBySlot["\(process.generation)/\(process.index)"] ?? 0
                )
            }
        let line = statusLine(now: now)
        publish(SupervisorSnapshot(
            state: stopped ? "stopped" : lifecycle.name,
            supervisorPID: getpid(),
            generation: current.number,
            statusLine: line.text,
            lastReloadError: lastReloadError,
            workers: workers,
            totals: .init(
                workers: line.workers,
                connections: line.connections,
                channels: line.channels,
                restarts: current.slots.reduce(0) { $0 + $1.restarts },
                counters: counters.totals
            )
        ))
    }
}
