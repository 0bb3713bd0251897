import Glibc
import IPC

extension SupervisorLoop {
    /// `waitpid(-1, WNOHANG)` until nothing is left to reap.
    func reapChildren(now: Int64) {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid < 0, errno == EINTR { continue }
            guard pid > 0 else { return }
            guard let process = processes[pid] else { continue }
            process.markExited()
            readMessages(from: process, now: now)
            processes[pid] = nil
            process.connection.close()
            counters.forget(pid: pid)
            handleExit(of: process, status: status, now: now)
        }
    }

    private func handleExit(of process: WorkerProcess, status: Int32, now: Int64) {
        let how = Self.describe(waitStatus: status)
        let name = "worker \(process.index) of generation \(process.generation) (pid \(process.pid))"
        statusDirty = true

        guard let generation = generation(numbered: process.generation),
              generation.slots[process.index].pid == process.pid,
              isSpawnable(generation)
        else {
            // Retiring (drained, stopped, condemned) or the service is stopping: expected.
            logger.info("\(name) \(how)")
            return
        }
        if isBooting(generation) {
            // Died before its generation was ready: for the first or a reload's
            // generation that is a boot failure, not something to respawn.
            let reason = process.bootFailureReason
                ?? (process.phase == .booting ? "exited before it was ready (\(how))" : how)
            bootFailed(generation: generation, slot: process.index, reason: reason, now: now)
            return
        }
        let delay = generation.slots[process.index].vacate(
            lifetimeMs: now - process.spawnedAt, now: now, backoff: options.restartBackoff)
        logger.error("\(name) \(how); respawning \(delay == 0 ? "now" : "in \(delay) ms")")
    }

    /// "exited with status 1", "killed by signal 9 (Killed)".
    static func describe(waitStatus status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        let name = strsignal(signal).map { String(cString: $0) } ?? "?"
        return "killed by signal \(signal) (\(name))" + (status & 0x80 != 0 ? ", core dumped" : "")
    }
}
