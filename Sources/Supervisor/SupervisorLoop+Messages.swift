import Glibc
import IPC

extension SupervisorLoop {
    /// Reads and handles everything a worker sent. Called when its link is readable,
    /// and once more when it is reaped (its last words, e.g. `bootFailed`, may still be
    /// in the socket buffer).
    func readMessages(from process: WorkerProcess, now: Int64) {
        let result = process.connection.readAvailable()
        for message in result.messages {
            handle(message, from: process, now: now)
        }
        switch result.end {
        case nil:
            break
        case .closed:
            // The exit follows (SIGCHLD); if it does not, the heartbeat timeout will tell.
            process.connection.close()
        case let .failed(error):
            logger.error("worker \(process.index) (pid \(process.pid)): \(error)")
            process.connection.close()
            if process.isActive, !process.hasExited {
                condemn(process, reason: "broke the IPC protocol (\(error))", now: now)
            }
        }
    }

    private func handle(_ message: WorkerMessage, from process: WorkerProcess, now: Int64) {
        process.recordSignOfLife(at: now)
        switch message {
        case let .hello(hello):
            if hello.pid != process.pid || hello.generation != process.generation || hello.index != process.index {
                logger.warning("worker pid \(process.pid) introduced itself as pid \(hello.pid), generation \(hello.generation), index \(hello.index)")
            }
        case .ready:
            guard process.markReady() else { return }
            logger.info("worker \(process.index) of generation \(process.generation) ready (pid \(process.pid))")
            statusDirty = true
            checkReadiness(now: now)
        case let .bootFailed(reason):
            process.bootFailureReason = reason
            logger.error("worker \(process.index) of generation \(process.generation) (pid \(process.pid)) failed to start: \(reason)")
            if let generation = generation(numbered: process.generation), generation.slots[process.index].pid == process.pid {
                bootFailed(generation: generation, slot: process.index, reason: reason, now: now)
            }
        case let .heartbeat(heartbeat):
            process.record(heartbeat, at: now)
            counters.record(pid: process.pid, counters: heartbeat.counters)
            options.onHeartbeat?(process.pid, heartbeat)
        case .draining:
            logger.debug("worker \(process.index) (pid \(process.pid)) is draining")
        }
    }

    /// The current or booting generation with this number.
    func generation(numbered number: Int) -> Generation? {
        if current.number == number { return current }
        if case let .reloading(next, _) = lifecycle, next.number == number { return next }
        return nil
    }

    /// Moves on when every slot of the booting generation reports `ready`.
    func checkReadiness(now: Int64) {
        switch lifecycle {
        case .starting where isReady(current):
            lifecycle = .running
            logger.notice("ready: \(current.slots.count) worker(s) of generation \(current.number)")
            notifyWithStatus("READY=1", now: now)
            runPendingReload(now: now)
        case let .reloading(next, _) where isReady(next):
            completeReload(next, now: now)
        default:
            break
        }
    }

    private func isReady(_ generation: Generation) -> Bool {
        generation.slots.allSatisfy { slot in
            slot.pid.flatMap { processes[$0] }?.phase == .ready
        }
    }
}
