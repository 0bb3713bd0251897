import Glibc
import IPC
import ServiceStatus

extension SupervisorStateMachine {
    enum StatusNotification {
        case ready
        case stopping
    }

    /// `READY=1` or `STOPPING=1` with the current `STATUS=` in the same datagram.
    mutating func notifyWithStatus(_ kind: StatusNotification) {
        let status = statusLine().text
        switch kind {
        case .ready: emit(.notify(.ready(status: status)))
        case .stopping: emit(.notify(.stopping(status: status)))
        }
        statusDirty = false
    }

    /// `STATUS=` every ``Configuration/statusIntervalMs`` and after state changes.
    mutating func refreshStatusIfDue() {
        if now >= nextStatusAt {
            nextStatusAt = now + configuration.statusIntervalMs
            updateEventsRate()
            statusDirty = true
        }
        guard statusDirty else { return }
        statusDirty = false
        emit(.notify(.status(statusLine().text)))
    }

    /// Each worker reads the whole firehose, so the sum of their `ws_events_read` grows
    /// `workers` times faster than the stream: the rate shown is per worker.
    /// Shown once some worker reported the counter.
    private mutating func updateEventsRate() {
        let total = counters.totals[HeartbeatCounter.eventsRead]
        let reporting = currentWorkers.filter { $0.heartbeat != nil }.count
        if let rate = eventsRate.rate(total: total ?? 0, now: now), total != nil {
            eventsPerSecond = rate / Double(max(1, reporting))
        }
    }

    /// Live workers of the serving generation.
    var currentWorkers: [WorkerProcess] {
        current.pids.compactMap { workers[$0] }
    }

    func statusLine() -> StatusLine {
        let live = workerPIDs.compactMap { workers[$0] }.filter { !$0.hasExited }
        let ready = currentWorkers.filter { $0.phase == .ready }
        var line = StatusLine(
            // While stopping, what is left matters, whatever its phase.
            workers: lifecycle.isStopping ? live.count : ready.count,
            connections: live.reduce(0) { $0 + ($1.heartbeat?.connections ?? 0) },
            channels: live.reduce(0) { $0 + ($1.heartbeat?.channels ?? 0) },
            eventsPerSecond: eventsPerSecond,
            redisStates: currentWorkers.compactMap { $0.heartbeat?.redisState }
        )
        switch lifecycle {
        case .starting:
            line.prefix = "starting (\(ready.count)/\(current.slots.count) ready)"
        case .reloading:
            if let next {
                let nextReady = next.pids.compactMap { workers[$0] }.filter { $0.phase == .ready }.count
                line.prefix = "reloading (generation \(next.number): \(nextReady)/\(next.slots.count) ready)"
            }
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

    /// The view the status socket serves.
    func snapshot(now: Int64, supervisorPID: Int32, stopped: Bool) -> SupervisorSnapshot {
        let restartsBySlot = Dictionary(
            (activeGenerations + [current]).flatMap { generation in
                generation.slots.map { ("\(generation.number)/\($0.index)", $0.restarts) }
            },
            uniquingKeysWith: { first, _ in first })
        let workers = workers.values.sorted { ($0.generation, $0.index, $0.pid) < ($1.generation, $1.index, $1.pid) }
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
        let line = statusLine()
        return SupervisorSnapshot(
            state: stopped ? "stopped" : lifecycle.name,
            supervisorPID: supervisorPID,
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
        )
    }
}
