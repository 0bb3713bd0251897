import Glibc
import IPC

extension SupervisorStateMachine {
    /// The spawned worker takes its slot and is sent `start`.
    mutating func registerSpawn(generation number: Int, slot index: Int, pid: pid_t, startedAtEpochMs: Int64) {
        workers[pid] = WorkerProcess(pid: pid, generation: number, index: index,
                                     spawnedAt: now, startedAtEpochMs: startedAtEpochMs)
        guard let generation = generation(numbered: number), isSpawnable(number) else {
            // Cannot happen while the loop feeds results at once; never leave a stray.
            stop(pid, killAt: now + configuration.killGraceMs)
            return
        }
        let restarts = updateGeneration(number) { generation in
            generation.slots[index].occupant = .worker(pid)
            generation.slots[index].spawns += 1
            return generation.slots[index].restarts
        } ?? 0
        emit(.send(.start(StartInfo(generation: number, index: index, configJSON: generation.settings.configJSON)), to: pid))
        let restartNote = restarts > 0 ? " (restart \(restarts))" : ""
        log(.info, "worker \(index) of generation \(number) started: pid \(pid)\(restartNote)")
        statusDirty = true
    }

    /// No process was started: a boot failure for a booting generation; in the serving
    /// one the slot retries after the back-off.
    mutating func spawnFailed(generation number: Int, slot index: Int, reason: String) {
        log(.error, "worker \(index) of generation \(number): \(reason)")
        bootFailed(generation: number, slot: index, reason: reason)
        guard isSpawnable(number), generation(numbered: number)?.slots[index].pid == nil else { return }
        let now = now
        let backoff = configuration.restartBackoff
        let delay = updateGeneration(number) { generation in
            generation.slots[index].vacate(lifetimeMs: 0, now: now, backoff: backoff)
        } ?? 0
        log(.notice, "retrying worker \(index) in \(delay) ms")
    }

    /// A worker of generation `number` could not start. Fatal for the first generation,
    /// the end of a reload for a new one; in the serving generation the slot just respawns.
    mutating func bootFailed(generation number: Int, slot index: Int, reason: String) {
        switch lifecycle {
        case .starting where number == current.number:
            fail("worker \(index) failed to start: \(reason)")
        case .reloading where number == next?.number:
            abandonReload("worker \(index) of generation \(number) failed to start: \(reason)")
        default:
            break
        }
    }
}
