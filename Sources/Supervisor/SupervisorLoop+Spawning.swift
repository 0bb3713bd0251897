import Glibc
import IPC

extension SupervisorLoop {
    /// Spawns a worker into every vacant slot of `generation` whose respawn time came.
    func spawnDueSlots(of generation: Generation, now: Int64) {
        for index in generation.slots.indices {
            // A failed spawn may have abandoned this generation (or halted the service).
            guard isSpawnable(generation) else { return }
            if case let .vacant(respawnAt) = generation.slots[index].occupant, respawnAt <= now {
                spawn(into: generation, slot: index, now: now)
            }
        }
    }

    /// Whether `generation` may still get new workers.
    func isSpawnable(_ generation: Generation) -> Bool {
        switch lifecycle {
        case .starting, .running: generation === current
        case let .reloading(next, _): generation === current || generation === next
        case .stopping: false
        }
    }

    private func spawn(into generation: Generation, slot index: Int, now: Int64) {
        let spawned: WorkerSpawner.Spawned
        do {
            spawned = try spawner.spawn(listenerFD: generation.listener(forSlot: index))
        } catch {
            logger.error("worker \(index) of generation \(generation.number): \(error.reason)")
            bootFailed(generation: generation, slot: index, reason: error.reason, now: now)
            if isSpawnable(generation), generation.slots[index].pid == nil {
                let delay = generation.slots[index].vacate(lifetimeMs: 0, now: now, backoff: options.restartBackoff)
                logger.notice("retrying worker \(index) in \(delay) ms")
            }
            return
        }
        let process = WorkerProcess(pid: spawned.pid, generation: generation.number, index: index,
                                    linkFD: spawned.linkFD, now: now)
        processes[spawned.pid] = process
        generation.slots[index].occupant = .worker(spawned.pid)
        generation.slots[index].spawns += 1
        process.connection.send(.start(StartInfo(
            generation: generation.number, index: index, configJSON: generation.settings.configJSON)))
        let restarts = generation.slots[index].restarts
        let restartNote = restarts > 0 ? " (restart \(restarts))" : ""
        logger.info("worker \(index) of generation \(generation.number) started: pid \(spawned.pid)\(restartNote)")
        statusDirty = true
    }

    /// Whether `generation` is the one being brought up (the first, or a reload's), where
    /// any failure is a boot failure rather than something to respawn.
    func isBooting(_ generation: Generation) -> Bool {
        switch lifecycle {
        case .starting: generation === current
        case let .reloading(next, _): generation === next
        case .running, .stopping: false
        }
    }

    /// A worker of `generation` could not start. Fatal for the first generation, the
    /// end of a reload for a new one; in the serving generation the slot just respawns.
    func bootFailed(generation: Generation, slot index: Int, reason: String, now: Int64) {
        switch lifecycle {
        case .starting where generation === current:
            fail("worker \(index) failed to start: \(reason)", now: now)
        case let .reloading(next, _) where generation === next:
            abandonReload("worker \(index) of generation \(next.number) failed to start: \(reason)", now: now)
        default:
            break
        }
    }
}
