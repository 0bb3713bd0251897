import Glibc
import IPC

extension SupervisorLoop {
    /// Condemns every active worker that went silent or whose Redis reader is stuck.
    func checkHealth(now: Int64) {
        for generation in activeGenerations {
            for slot in generation.slots {
                guard let pid = slot.pid, let process = processes[pid], process.isActive else { continue }
                if let problem = staleness(of: process, settings: generation.settings, now: now) {
                    condemn(process, reason: problem, now: now)
                }
            }
        }
    }

    /// Generations whose workers must heartbeat.
    var activeGenerations: [Generation] {
        switch lifecycle {
        case .starting, .running: [current]
        case let .reloading(next, _): [current, next]
        case .stopping: []
        }
    }

    private func staleness(of process: WorkerProcess, settings: SupervisorSettings, now: Int64) -> String? {
        let silentMs = now - process.lastSignOfLifeAt
        if silentMs > settings.workerHeartbeatTimeoutMs {
            return "sent no heartbeat for \(silentMs) ms (workerHeartbeatTimeoutMs \(settings.workerHeartbeatTimeoutMs))"
        }
        let readerLimit = Int64(settings.redisStreamReadBlockMs) + options.readerProgressMarginMs
        if let age = process.heartbeat?.readerProgressAgeMs, age > readerLimit {
            return "has a Redis reader stuck for \(age) ms (limit \(readerLimit) ms)"
        }
        return nil
    }

    /// `SIGABRT` now, `SIGKILL` after the grace; the slot is freed at once so that the
    /// replacement starts while the hung process is still being killed (with
    /// `SO_REUSEPORT` both can listen).
    func condemn(_ process: WorkerProcess, reason: String, now: Int64) {
        logger.error("worker \(process.index) of generation \(process.generation) (pid \(process.pid)) \(reason): aborting it")
        process.condemn(killAt: now + options.killGraceMs)
        statusDirty = true
        guard let generation = generation(numbered: process.generation),
              generation.slots[process.index].pid == process.pid
        else { return }
        if isBooting(generation) {
            bootFailed(generation: generation, slot: process.index, reason: reason, now: now)
        } else {
            let delay = generation.slots[process.index].vacate(
                lifetimeMs: now - process.spawnedAt, now: now, backoff: options.restartBackoff)
            logger.notice("replacing worker \(process.index) \(delay == 0 ? "now" : "in \(delay) ms")")
        }
    }

    /// `SIGKILL` for every process past its drain, stop or abort grace.
    func enforceKillDeadlines(now: Int64) {
        for process in processes.values {
            guard let killAt = process.killAt, now >= killAt else { continue }
            logger.warning("worker \(process.index) of generation \(process.generation) (pid \(process.pid)) still running \(process.phase.name); SIGKILL")
            process.forceKill()
        }
    }

    /// `WATCHDOG=1` at half systemd's interval, but only while every slot is healthy:
    /// its worker heartbeats in time, or it is vacant and its respawn is not overdue by
    /// more than the heartbeat timeout. A worker being replaced does not stop the pings;
    /// a stuck loop (or a slot it forgot) does, and systemd then restarts the service.
    func pingWatchdogIfDue(now: Int64) {
        guard let interval = watchdogIntervalMs, now >= nextWatchdogAt else { return }
        nextWatchdogAt = now + interval
        if let problem = watchdogProblem(now: now) {
            if !watchdogWithheld { logger.error("withholding the watchdog ping: \(problem)") }
            watchdogWithheld = true
            return
        }
        if watchdogWithheld { logger.notice("watchdog pings resumed") }
        watchdogWithheld = false
        notifier.notify("WATCHDOG=1")
    }

    private func watchdogProblem(now: Int64) -> String? {
        for generation in activeGenerations {
            let timeout = Int64(generation.settings.workerHeartbeatTimeoutMs)
            for slot in generation.slots {
                switch slot.occupant {
                case let .worker(pid):
                    guard let process = processes[pid] else { return "slot \(slot.index) lost its worker \(pid)" }
                    if now - process.lastSignOfLifeAt > timeout {
                        return "worker \(slot.index) (pid \(pid)) silent for \(now - process.lastSignOfLifeAt) ms"
                    }
                case let .vacant(respawnAt):
                    if now - respawnAt > timeout { return "worker slot \(slot.index) not respawned" }
                }
            }
        }
        return nil
    }
}
