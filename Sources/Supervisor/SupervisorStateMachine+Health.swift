import Glibc
import IPC

extension SupervisorStateMachine {
    /// Condemns every active worker that went silent or whose Redis reader is stuck.
    mutating func checkHealth() {
        for generation in activeGenerations {
            for slot in generation.slots {
                guard let pid = slot.pid, let process = workers[pid], process.isActive else { continue }
                if let problem = staleness(of: process, settings: generation.settings) {
                    condemn(pid, reason: problem)
                }
            }
        }
    }

    private func staleness(of process: WorkerProcess, settings: SupervisorSettings) -> String? {
        let silentMs = now - process.lastSignOfLifeAt
        if silentMs > settings.workerHeartbeatTimeoutMs {
            return "sent no heartbeat for \(silentMs) ms (workerHeartbeatTimeoutMs \(settings.workerHeartbeatTimeoutMs))"
        }
        let readerLimit = Int64(settings.redisStreamReadBlockMs) + configuration.readerProgressMarginMs
        if let age = process.heartbeat?.readerProgressAgeMs, age > readerLimit {
            return "has a Redis reader stuck for \(age) ms (limit \(readerLimit) ms)"
        }
        return nil
    }

    /// `SIGABRT` now, `SIGKILL` after the grace; the slot is freed at once so that the
    /// replacement starts while the hung process is still being killed (with
    /// `SO_REUSEPORT` both can listen).
    mutating func condemn(_ pid: pid_t, reason: String) {
        guard let process = workers[pid] else { return }
        log(.error, "\(process.name) \(reason): aborting it")
        if workers[pid]?.condemn(killAt: now + configuration.killGraceMs) == true {
            emit(.signal(SIGABRT, to: pid))
        }
        statusDirty = true
        guard generation(numbered: process.generation)?.holds(pid, inSlot: process.index) == true else { return }
        if isBooting(process.generation) {
            bootFailed(generation: process.generation, slot: process.index, reason: reason)
        } else {
            let delay = vacate(process)
            log(.notice, "replacing worker \(process.index) \(delay == 0 ? "now" : "in \(delay) ms")")
        }
    }

    /// `SIGKILL` for every process past its drain, stop or abort grace.
    mutating func enforceKillDeadlines() {
        for pid in workerPIDs {
            guard let process = workers[pid], let killAt = process.killAt, now >= killAt else { continue }
            log(.warning, "\(process.name) still running \(process.phase.name); SIGKILL")
            forceKill(pid)
        }
    }

    /// `WATCHDOG=1` at half systemd's interval, but only while every slot is healthy:
    /// its worker heartbeats in time, or it is vacant and its respawn is not overdue by
    /// more than the heartbeat timeout. A worker being replaced does not stop the pings;
    /// a stuck loop (or a slot it forgot) does, and systemd then restarts the service.
    mutating func pingWatchdogIfDue() {
        guard let interval = configuration.watchdogIntervalMs, now >= nextWatchdogAt else { return }
        nextWatchdogAt = now + interval
        if let problem = watchdogProblem() {
            if !watchdogWithheld { log(.error, "withholding the watchdog ping: \(problem)") }
            watchdogWithheld = true
            return
        }
        if watchdogWithheld { log(.notice, "watchdog pings resumed") }
        watchdogWithheld = false
        emit(.notify(.watchdog))
    }

    private func watchdogProblem() -> String? {
        for generation in activeGenerations {
            let timeout = Int64(generation.settings.workerHeartbeatTimeoutMs)
            for slot in generation.slots {
                switch slot.occupant {
                case let .worker(pid):
                    guard let process = workers[pid] else { return "slot \(slot.index) lost its worker \(pid)" }
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
