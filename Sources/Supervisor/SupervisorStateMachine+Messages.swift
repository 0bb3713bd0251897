import Glibc
import IPC

extension SupervisorStateMachine {
    /// Everything one read of a worker's link produced, then the link's failure if any.
    mutating func receive(_ input: LinkInput, from pid: pid_t) {
        guard workers[pid] != nil else { return }
        for message in input.messages {
            handle(message, from: pid)
        }
        if let failure = input.failure, let process = workers[pid] {
            log(.error, "worker \(process.index) (pid \(pid)): \(failure)")
            if process.isActive, !process.hasExited {
                condemn(pid, reason: "broke the IPC protocol (\(failure))")
            }
        }
    }

    private mutating func handle(_ message: WorkerMessage, from pid: pid_t) {
        guard let process = workers[pid] else { return }
        workers[pid]?.recordSignOfLife(at: now)
        switch message {
        case let .hello(hello):
            if hello.pid != process.pid || hello.generation != process.generation || hello.index != process.index {
                log(.warning, "worker pid \(process.pid) introduced itself as pid \(hello.pid), generation \(hello.generation), index \(hello.index)")
            }
        case .ready:
            guard workers[pid]?.markReady() == true else { return }
            log(.info, "worker \(process.index) of generation \(process.generation) ready (pid \(pid))")
            statusDirty = true
            checkReadiness()
        case let .bootFailed(reason):
            workers[pid]?.bootFailureReason = reason
            log(.error, "\(process.name) failed to start: \(reason)")
            if generation(numbered: process.generation)?.holds(pid, inSlot: process.index) == true {
                bootFailed(generation: process.generation, slot: process.index, reason: reason)
            }
        case let .heartbeat(heartbeat):
            workers[pid]?.record(heartbeat, at: now)
            counters.record(pid: pid, counters: heartbeat.counters)
        case .draining:
            log(.debug, "worker \(process.index) (pid \(pid)) is draining")
        }
    }

    /// Moves on when every slot of the booting generation reports `ready`.
    mutating func checkReadiness() {
        switch lifecycle {
        case .starting where isReady(current):
            lifecycle = .running
            log(.notice, "ready: \(current.slots.count) worker(s) of generation \(current.number)")
            notifyWithStatus(.ready)
            runPendingReload()
        case .reloading:
            if let next, isReady(next) { completeReload() }
        default:
            break
        }
    }

    private func isReady(_ generation: Generation) -> Bool {
        generation.slots.allSatisfy { slot in
            slot.pid.flatMap { workers[$0] }?.phase == .ready
        }
    }

    // MARK: - Exits

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
