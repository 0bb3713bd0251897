import Glibc
import IPC

extension SupervisorLoop {
    // MARK: - Stop

    /// Halts the service because it cannot run: workers are told to `stop` (no drain),
    /// `run()` returns a non-zero exit with `reason`.
    func fail(_ reason: String, now: Int64) {
        if case .stopping = lifecycle { return }
        logger.critical("\(reason); stopping")
        failureReason = reason
        beginStop(.failure(reason), drain: false, now: now)
    }

    /// `STOPPING=1`; every worker drains (or stops), `SIGKILL` for stragglers at the deadline.
    func beginStop(_ exit: SupervisorExit, drain: Bool, now: Int64) {
        if case .stopping = lifecycle {
            logger.notice("already stopping")
            return
        }
        let deadline: Int64
        if drain {
            let shutdownMs = current.settings.shutdownTimeoutMs
            let killAt = now + Int64(shutdownMs) + options.drainKillGraceMs
            processes.values.forEach { $0.drain(deadlineMs: shutdownMs, killAt: killAt) }
            deadline = killAt + options.killGraceMs
        } else {
            let killAt = now + options.killGraceMs
            processes.values.forEach { $0.stop(killAt: killAt) }
            deadline = killAt + options.killGraceMs
        }
        pendingReload = false
        lifecycle = .stopping(deadline: deadline, exit: exit)
        notifyWithStatus("STOPPING=1", now: now)
    }

    // MARK: - Reload

    /// `SIGHUP`: reload now if running, later if starting or already reloading.
    func requestReload(now: Int64) {
        switch lifecycle {
        case .running:
            beginReload(now: now)
        case .starting, .reloading:
            logger.notice("SIGHUP: reload queued until the \(lifecycle.name) state ends")
            pendingReload = true
        case .stopping:
            logger.notice("SIGHUP ignored: stopping")
        }
    }

    func runPendingReload(now: Int64) {
        guard pendingReload, case .running = lifecycle else { return }
        pendingReload = false
        beginReload(now: now)
    }

    /// `RELOADING=1`, re-read the configuration, spawn the next generation from the
    /// binary now on disk. The current generation serves until the next one is ready.
    private func beginReload(now: Int64) {
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(monotonicMicroseconds())")
        logger.notice("SIGHUP: reloading")
        let settings: SupervisorSettings
        do {
            settings = try options.loadSettings()
        } catch {
            rejectReload("invalid configuration: \(error)", now: now)
            return
        }
        if let problem = settings.validationError() {
            rejectReload("invalid configuration: \(problem)", now: now)
            return
        }
        if let problem = ExecutablePath.problem(with: spawner.executablePath) {
            rejectReload(problem, now: now)
            return
        }
        let listeners: [Int32]
        do {
            listeners = try Self.listeners(for: settings, activated: activatedListenerFD, pool: listenerPool)
        } catch {
            rejectReload(error.reason, now: now)
            return
        }
        let next = Generation(number: current.number + 1, settings: settings, listeners: listeners, now: now)
        lifecycle = .reloading(next: next, deadline: now + options.reloadReadyTimeoutMs)
        statusDirty = true
        logger.info("starting generation \(next.number): \(settings.workerCount) worker(s)")
        spawnDueSlots(of: next, now: now)
    }

    /// The configuration was refused: nothing changes but `STATUS=`. `READY=1` tells
    /// systemd the reload is over.
    private func rejectReload(_ reason: String, now: Int64) {
        lastReloadError = reason
        logger.error("reload rejected, generation \(current.number) keeps serving: \(reason)")
        notifyWithStatus("READY=1", now: now)
    }

    /// Every worker of `next` is ready: it becomes current, the old one drains.
    func completeReload(_ next: Generation, now: Int64) {
        let old = current
        let shutdownMs = old.settings.shutdownTimeoutMs
        let killAt = now + Int64(shutdownMs) + options.drainKillGraceMs
        for pid in old.pids { processes[pid]?.drain(deadlineMs: shutdownMs, killAt: killAt) }
        current = next
        lifecycle = .running
        lastReloadError = nil
        listenerPool.retainOnly(current.listeners)
        logger.notice("reloaded: generation \(next.number) serving, generation \(old.number) draining")
        notifyWithStatus("READY=1", now: now)
        runPendingReload(now: now)
    }

    /// The next generation failed or timed out: stop it, keep the current one.
    func abandonReload(_ reason: String, now: Int64) {
        guard case let .reloading(next, _) = lifecycle else { return }
        for pid in next.pids { processes[pid]?.stop(killAt: now + options.killGraceMs) }
        lifecycle = .running
        listenerPool.retainOnly(current.listeners)
        lastReloadError = reason
        logger.error("reload abandoned, generation \(current.number) keeps serving: \(reason)")
        notifyWithStatus("READY=1", now: now)
        runPendingReload(now: now)
    }
}
