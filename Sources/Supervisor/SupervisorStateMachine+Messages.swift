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
}
