import Glibc
import IPC

extension SupervisorStateMachine {
    // MARK: - Signals

    mutating func handleSignal(_ signal: Int32) {
        switch signal {
        case SIGTERM:
            log(.notice, "SIGTERM: stopping")
            beginStop(.stopped, drain: true)
        case SIGINT:
            if lifecycle.isStopping {
                log(.warning, "second SIGINT: killing every worker now")
                for pid in workerPIDs { forceKill(pid) }
            } else {
                log(.notice, "SIGINT: stopping")
                beginStop(.stopped, drain: true)
            }
        case SIGHUP:
            requestReload()
        default:
            break  // SIGCHLD: reaping runs on every pass anyway
        }
    }

    // MARK: - Stop

    /// Halts the service because it cannot run: workers are told to `stop` (no drain),
    /// the service exits non-zero with `reason`.
    mutating func fail(_ reason: String) {
        if lifecycle.isStopping { return }
        log(.critical, "\(reason); stopping")
        failureReason = reason
        beginStop(.failure(reason), drain: false)
    }

    /// `STOPPING=1`; every worker drains (or stops), `SIGKILL` for stragglers at the deadline.
    mutating func beginStop(_ exit: SupervisorExit, drain: Bool) {
        if lifecycle.isStopping {
            log(.notice, "already stopping")
            return
        }
        let deadline: Int64
        if drain {
            let shutdownMs = current.settings.shutdownTimeoutMs
            let killAt = now + Int64(shutdownMs) + configuration.drainKillGraceMs
            for pid in workerPIDs { self.drain(pid, deadlineMs: shutdownMs, killAt: killAt) }
            deadline = killAt + configuration.killGraceMs
        } else {
            let killAt = now + configuration.killGraceMs
            for pid in workerPIDs { stop(pid, killAt: killAt) }
            deadline = killAt + configuration.killGraceMs
        }
        pendingReload = false
        next = nil
        lifecycle = .stopping(deadline: deadline, exit: exit)
        notifyWithStatus(.stopping)
    }

    // MARK: - Reload

    /// `SIGHUP`: reload now if running, later if starting or already reloading.
    mutating func requestReload() {
        switch lifecycle {
        case .running:
            beginReload()
        case .starting, .reloading:
            log(.notice, "SIGHUP: reload queued until the \(lifecycle.name) state ends")
            pendingReload = true
        case .stopping:
            log(.notice, "SIGHUP ignored: stopping")
        }
    }

    mutating func runPendingReload() {
        guard pendingReload, case .running = lifecycle else { return }
        pendingReload = false
        beginReload()
    }

    /// `RELOADING=1`, then the configuration is re-read (by the loop) and the next
    /// generation spawned from the binary now on disk. The current generation serves
    /// until the next one is ready.
    private mutating func beginReload() {
        emit(.notify(.reloading))
        log(.notice, "SIGHUP: reloading")
        schedule(.loadReloadConfiguration)
    }

    /// The configuration loaded: the next generation boots next to the current one.
    mutating func startNextGeneration(settings: SupervisorSettings, listeners: [Int32]) {
        guard case .running = lifecycle else { return }
        let generation = Generation(number: current.number + 1, settings: settings, listeners: listeners, now: now)
        next = generation
        lifecycle = .reloading(deadline: now + configuration.reloadReadyTimeoutMs)
        statusDirty = true
        log(.info, "starting generation \(generation.number): \(settings.workerCount) worker(s)")
        schedule(.spawnDue(generation: generation.number, fromSlot: 0))
    }

    /// The configuration was refused: nothing changes but `STATUS=`. `READY=1` tells
    /// systemd the reload is over.
    mutating func rejectReload(_ reason: String) {
        lastReloadError = reason
        log(.error, "reload rejected, generation \(current.number) keeps serving: \(reason)")
        notifyWithStatus(.ready)
    }

    /// Every worker of the next generation is ready: it becomes current, the old one drains.
    mutating func completeReload() {
        guard let next else { return }
        let old = current
        let shutdownMs = old.settings.shutdownTimeoutMs
        let killAt = now + Int64(shutdownMs) + configuration.drainKillGraceMs
        for pid in old.pids { drain(pid, deadlineMs: shutdownMs, killAt: killAt) }
        current = next
        self.next = nil
        lifecycle = .running
        lastReloadError = nil
        emit(.retainListeners(current.listeners))
        log(.notice, "reloaded: generation \(next.number) serving, generation \(old.number) draining")
        notifyWithStatus(.ready)
        runPendingReload()
    }

    /// The next generation failed or timed out: stop it, keep the current one.
    mutating func abandonReload(_ reason: String) {
        guard case .reloading = lifecycle, let next else { return }
        for pid in next.pids { stop(pid, killAt: now + configuration.killGraceMs) }
        lifecycle = .running
        self.next = nil
        emit(.retainListeners(current.listeners))
        lastReloadError = reason
        log(.error, "reload abandoned, generation \(current.number) keeps serving: \(reason)")
        notifyWithStatus(.ready)
        runPendingReload()
    }
}
