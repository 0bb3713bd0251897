@testable import Supervisor
import Glibc
import IPC
import Testing

@Suite("Supervisor state machine: stopping")
struct StopStateTests {
    @Test("SIGTERM: every worker drains, STOPPING=1, exit 0 once all are reaped")
    func sigterm() {
        var driver = MachineDriver(settings: .test(shutdownTimeoutMs: 3_000))
        driver.startReady()
        driver.heartbeatAll(Heartbeat(connections: 5, channels: 1, redisState: "connected"))
        let term = driver.send(.signal(SIGTERM))
        #expect(term.withoutLogs == [
            .send(.drain(deadlineMs: 3_000), to: 100),
            .send(.drain(deadlineMs: 3_000), to: 101),
            .notify(.stopping(status: "stopping: 2 workers, 10 connections, 2 channels, redis connected")),
        ])
        #expect(term.logged("SIGTERM: stopping"))
        #expect(driver.phase(of: 100) == .draining(killAt: driver.now + 4_000))

        driver.exit(100, status: 0)
        #expect(driver.send(.tick).exits.isEmpty)
        let last = driver.exit(101, status: 0)
        #expect(last.spawns.isEmpty)
        #expect(last.logged("worker 1 of generation 1 (pid 101) exited with status 0"))
        let end = driver.advance(by: 100)
        #expect(end.exits == [.stopped])
        #expect(end.logged("all workers exited: stopped"))
        #expect(driver.machine.snapshot(now: driver.now, supervisorPID: 1, stopped: true).state == "stopped")
    }

    @Test("drain timeout: SIGKILL after the drain deadline and its grace, exit at the hard deadline")
    func drainTimeout() {
        var driver = MachineDriver(settings: .test(shutdownTimeoutMs: 3_000))
        driver.startReady()
        let stoppedAt = driver.now
        driver.send(.signal(SIGTERM))
        driver.exit(100, status: 0)
        #expect(driver.run(for: 3_900).signals.isEmpty)
        let kill = driver.advance(by: 100)
        #expect(driver.now == stoppedAt + 4_000)
        #expect(kill.signals == [.signal(SIGKILL, to: 101)])
        #expect(kill.logged("still running draining; SIGKILL"))
        // The kill grace on top; then the supervisor gives up on it.
        #expect(driver.run(for: 1_900).exits.isEmpty)
        let end = driver.advance(by: 100)
        #expect(end.exits == [.stopped])
        #expect(end.logged("workers 101 did not exit in time"))
    }

    @Test("a worker killed at its drain deadline and reaped ends the service before the hard deadline")
    func killedThenReaped() {
        var driver = MachineDriver(settings: .test(workers: 1, shutdownTimeoutMs: 1_000))
        driver.startReady()
        driver.send(.signal(SIGTERM))
        #expect(driver.run(for: 2_000).signals == [.signal(SIGKILL, to: 100)])
        driver.exit(100, status: SIGKILL)
        #expect(driver.send(.tick).exits == [.stopped])
    }

    @Test("a second SIGINT kills every worker at once")
    func secondSigint() {
        var driver = MachineDriver()
        driver.startReady()
        let first = driver.send(.signal(SIGINT))
        #expect(first.logged("SIGINT: stopping"))
        #expect(first.sends.count == 2)
        let second = driver.send(.signal(SIGINT))
        #expect(second.logged("second SIGINT: killing every worker now"))
        #expect(second.withoutLogs == [.signal(SIGKILL, to: 100), .signal(SIGKILL, to: 101)])
        #expect(driver.send(.signal(SIGINT)).signals.isEmpty, "already killed")
    }

    @Test("SIGTERM while stopping, SIGHUP while stopping: nothing new")
    func signalsWhileStopping() {
        var driver = MachineDriver()
        driver.startReady()
        driver.send(.signal(SIGTERM))
        let again = driver.send(.signal(SIGTERM))
        #expect(again.withoutLogs.isEmpty)
        #expect(again.logged("already stopping"))
        let hup = driver.send(.signal(SIGHUP))
        #expect(hup.withoutLogs.isEmpty)
        #expect(hup.logged("SIGHUP ignored: stopping"))
        #expect(!driver.machine.pendingReload)
    }

    @Test("SIGTERM while starting drains the booting workers too")
    func sigtermWhileStarting() {
        var driver = MachineDriver()
        driver.send(.start)
        driver.receive(.ready, from: 100)
        let term = driver.send(.signal(SIGTERM))
        #expect(term.sends == [.send(.drain(deadlineMs: 10_000), to: 100), .send(.drain(deadlineMs: 10_000), to: 101)])
        // Becoming ready now does not announce READY=1.
        #expect(driver.receive(.ready, from: 101).notifications.isEmpty)
        #expect(driver.machine.failureReason == nil)
    }

    @Test("nothing is spawned or condemned while stopping")
    func noRespawnWhileStopping() {
        var driver = MachineDriver()
        driver.startReady()
        driver.send(.signal(SIGTERM))
        driver.exit(100, status: 1 << 8)
        let ticks = driver.run(for: 10_900)
        #expect(ticks.spawns.isEmpty)
        #expect(!ticks.signals.contains(.signal(SIGABRT, to: 101)))
    }

    @Test("SIGTERM's drain deadline caps old workers that were draining longer")
    func drainDeadlineCapped() {
        var driver = MachineDriver(settings: .test(shutdownTimeoutMs: 20_000))
        driver.startReady()
        driver.startReload()  // generation 2: shutdownTimeoutMs 10,000
        driver.ready(driver.pids(generation: 2))
        #expect(driver.phase(of: 100) == .draining(killAt: driver.now + 21_000))
        driver.advance(by: 1_000)
        driver.send(.signal(SIGTERM))
        #expect(driver.phase(of: 100) == .draining(killAt: driver.now + 11_000))
        #expect(driver.phase(of: 102) == .draining(killAt: driver.now + 11_000))
    }

    @Test("stop after a drain shortens the kill deadline, never lengthens it")
    func stopCapsDrain() {
        var process = WorkerProcess(pid: 1, generation: 1, index: 0, spawnedAt: 0, startedAtEpochMs: 0)
        #expect(process.drain(deadlineMs: 5_000, killAt: 6_000) == .drain(deadlineMs: 5_000))
        #expect(process.drain(deadlineMs: 5_000, killAt: 9_000) == nil)
        #expect(process.phase == .draining(killAt: 6_000))
        #expect(process.stop(killAt: 8_000) == .stop)
        #expect(process.phase == .stopping(killAt: 6_000))
        #expect(process.stop(killAt: 1_000) == nil)
        let condemned = process.condemn(killAt: 3_000)
        let condemnedAgain = process.condemn(killAt: 3_000)
        #expect(condemned && !condemnedAgain)
        let killed = process.forceKill()
        let killedAgain = process.forceKill()
        #expect(killed && !killedAgain)
        process.markExited()
        let condemnedAfterExit = process.condemn(killAt: 1)
        #expect(!condemnedAfterExit)
    }
}
