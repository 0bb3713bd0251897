import Glibc

extension SupervisorStateMachine {
    /// `waitpid` returned `pid`: its last words first (a `bootFailed` may still be in
    /// the socket buffer), then what its exit means for its slot.
    mutating func reap(_ pid: pid_t, waitStatus: Int32, lastWords: LinkInput) {
        guard workers[pid] != nil else { return }
        workers[pid]?.markExited()
        receive(lastWords, from: pid)
        guard let process = workers.removeValue(forKey: pid) else { return }
        counters.forget(pid: pid)
        handleExit(of: process, waitStatus: waitStatus)
    }

    private mutating func handleExit(of process: WorkerProcess, waitStatus: Int32) {
        let how = WaitStatus.describe(waitStatus)
        statusDirty = true
        guard generation(numbered: process.generation)?.holds(process.pid, inSlot: process.index) == true,
              isSpawnable(process.generation)
        else {
            // Retiring (drained, stopped, condemned) or the service is stopping: expected.
            log(.info, "\(process.name) \(how)")
            return
        }
        if isBooting(process.generation) {
            // Died before its generation was ready: for the first or a reload's
            // generation that is a boot failure, not something to respawn.
            let reason = process.bootFailureReason
                ?? (process.phase == .booting ? "exited before it was ready (\(how))" : how)
            bootFailed(generation: process.generation, slot: process.index, reason: reason)
            return
        }
        let delay = vacate(process)
        log(.error, "\(process.name) \(how); respawning \(delay == 0 ? "now" : "in \(delay) ms")")
    }

    /// Frees `process`'s slot with the restart back-off; returns the respawn delay.
    mutating func vacate(_ process: WorkerProcess) -> Int64 {
        let lifetimeMs = now - process.spawnedAt
        let now = now
        let backoff = configuration.restartBackoff
        return updateGeneration(process.generation) { generation in
            generation.slots[process.index].vacate(lifetimeMs: lifetimeMs, now: now, backoff: backoff)
        } ?? 0
    }
}
