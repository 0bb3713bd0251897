@testable import Supervisor
import Glibc
import IPC
import Testing

@Suite("Supervisor state machine: reload")
struct ReloadStateTests {
    @Test("SIGHUP: RELOADING=1, the configuration is loaded, the next generation boots next to the current one")
    func reloadStarts() {
        var driver = MachineDriver(listeners: [30, 31])
        driver.startReady()
        driver.reloadAnswer = .reloadConfigurationLoaded(.test(workers: 3, configJSON: "{\"v\":2}"), listeners: [40, 41, 42])
        let hup = driver.send(.signal(SIGHUP))
        #expect(Array(hup.withoutLogs.prefix(2)) == [.notify(.reloading), .loadReloadConfiguration])
        #expect(hup.logged("SIGHUP: reloading"))
        #expect(hup.logged("starting generation 2: 3 worker(s)"))
        #expect(hup.spawns == [
            .spawn(generation: 2, slot: 0, listenerFD: 40),
            .spawn(generation: 2, slot: 1, listenerFD: 41),
            .spawn(generation: 2, slot: 2, listenerFD: 42),
        ])
        #expect(hup.sends.count == 3)
        #expect(driver.machine.lifecycle == .reloading(deadline: driver.now + 60_000))
        #expect(driver.machine.current.number == 1)
        #expect(driver.machine.next?.number == 2)
        // The current generation is untouched.
        #expect(driver.phase(of: 100) == .ready)
        #expect(driver.advance(by: 100).statusTexts == ["reloading (generation 2: 0/3 ready): 2 workers, 0 connections, 0 channels, redis unknown"])
    }

    @Test("the next generation ready: it serves, the old one drains and is killed after its drain deadline")
    func reloadCompletes() {
        var driver = MachineDriver(settings: .test(shutdownTimeoutMs: 5_000), listeners: [30, 31])
        driver.startReady()
        driver.reloadAnswer = .reloadConfigurationLoaded(.test(configJSON: "{\"v\":2}"), listeners: [40, 41])
        driver.startReload()
        #expect(driver.receive(.ready, from: 102).notifications.isEmpty)
        let done = driver.receive(.ready, from: 103)
        #expect(done.withoutLogs == [
            .send(.drain(deadlineMs: 5_000), to: 100),
            .send(.drain(deadlineMs: 5_000), to: 101),
            .retainListeners([40, 41]),
            .notify(.ready(status: "2 workers, 0 connections, 0 channels, redis unknown")),
        ])
        #expect(done.logged("reloaded: generation 2 serving, generation 1 draining"))
        #expect(driver.machine.lifecycle == .running)
        #expect(driver.machine.current.number == 2)
        #expect(driver.machine.next == nil)
        #expect(driver.phase(of: 100) == .draining(killAt: driver.now + 6_000))

        // The old workers are no longer watched: their silence condemns nobody.
        driver.heartbeatAll()
        #expect(driver.run(for: 5_900).signals.isEmpty)
        let kills = driver.advance(by: 100)
        #expect(kills.signals == [.signal(SIGKILL, to: 100), .signal(SIGKILL, to: 101)])
        // Their exits are expected.
        #expect(driver.exit(100, status: SIGKILL).spawns.isEmpty)
        #expect(driver.send(.tick).spawns.isEmpty)
        #expect(driver.machine.workers.keys.sorted() == [101, 102, 103])
    }

    @Test("old workers that drain in time exit without a signal")
    func drainedInTime() {
        var driver = MachineDriver()
        driver.startReady()
        driver.startReload()
        driver.ready(driver.pids(generation: 2))
        driver.receive(.draining, from: 100)
        driver.exit(100, status: 0)
        driver.exit(101, status: 0)
        for _ in 0..<12 {
            driver.advance(by: 1_000)
            driver.heartbeatAll()
        }
        #expect(driver.history.signals.isEmpty)
        #expect(driver.machine.workers.keys.sorted() == [102, 103])
    }

    @Test("a reload with a bad configuration keeps the current generation and says why")
    func badConfiguration() {
        var driver = MachineDriver()
        driver.startReady()
        driver.reloadAnswer = .reloadConfigurationRejected(reason: "invalid configuration: jwtSecret: too short")
        let hup = driver.send(.signal(SIGHUP))
        #expect(hup.withoutLogs == [
            .notify(.reloading),
            .loadReloadConfiguration,
            .notify(.ready(status: "2 workers, 0 connections, 0 channels, redis unknown; reload failed: invalid configuration: jwtSecret: too short")),
        ])
        #expect(hup.logged("reload rejected, generation 1 keeps serving: invalid configuration: jwtSecret: too short"))
        #expect(driver.machine.lifecycle == .running)
        #expect(driver.machine.next == nil)
        #expect(driver.machine.lastReloadError == "invalid configuration: jwtSecret: too short")
        let snapshot = driver.machine.snapshot(now: driver.now, supervisorPID: 1, stopped: false)
        #expect(snapshot.lastReloadError == "invalid configuration: jwtSecret: too short")
        #expect(snapshot.generation == 1)

        // A good reload later clears the error.
        driver.reloadAnswer = .reloadConfigurationLoaded(.test(), listeners: [])
        driver.send(.signal(SIGHUP))
        driver.ready(driver.pids(generation: 2))
        #expect(driver.machine.lastReloadError == nil)
        #expect(driver.machine.statusLine().text == "2 workers, 0 connections, 0 channels, redis unknown")
    }

    @Test("a SIGHUP during a reload runs once that reload is over, and only once")
    func reloadDuringReload() {
        var driver = MachineDriver()
        driver.startReady()
        driver.startReload()
        let again = driver.send(.signal(SIGHUP))
        #expect(again.withoutLogs.isEmpty)
        #expect(again.logged("SIGHUP: reload queued until the reloading state ends"))
        driver.send(.signal(SIGHUP))

        let done = driver.ready(driver.pids(generation: 2))
        // READY=1 for generation 2, then straight into the queued reload.
        #expect(done.notifications == [.ready(status: "2 workers, 0 connections, 0 channels, redis unknown"), .reloading])
        #expect(driver.machine.current.number == 2)
        #expect(driver.machine.next?.number == 3)
        #expect(driver.pids(generation: 3) == [104, 105])
        #expect(!driver.machine.pendingReload)

        driver.ready(driver.pids(generation: 3))
        #expect(driver.machine.current.number == 3)
        #expect(driver.machine.lifecycle == .running)
        #expect(driver.history.notifications.filter { $0 == .reloading }.count == 2)
    }

    @Test("a next-generation worker that fails to boot abandons the reload; a queued one runs next")
    func bootFailureAbandons() {
        var driver = MachineDriver()
        driver.startReady()
        driver.startReload()
        driver.send(.signal(SIGHUP))  // queued
        driver.receive(.ready, from: 102)
        let failed = driver.receive(.bootFailed(reason: "cannot bind"), from: 103)
        #expect(Array(failed.sends.prefix(2)) == [.send(.stop, to: 102), .send(.stop, to: 103)])
        #expect(failed.contains(.retainListeners([])))
        #expect(failed.logged("reload abandoned, generation 1 keeps serving: worker 1 of generation 2 failed to start: cannot bind"))
        #expect(failed.notifications.first == .ready(status: "2 workers, 0 connections, 0 channels, redis unknown; reload failed: worker 1 of generation 2 failed to start: cannot bind"))
        // The queued reload starts a new generation 2 at once.
        #expect(failed.notifications.dropFirst().first == .reloading)
        #expect(driver.pids(generation: 2) == [104, 105])
        #expect(driver.phase(of: 102) == .stopping(killAt: driver.now + 2_000))
        // The abandoned workers' exits are expected, even though generation 2 exists again.
        let exit = driver.exit(103)
        #expect(exit.spawns.isEmpty)
        #expect(driver.machine.lifecycle == .reloading(deadline: driver.now + 60_000))
        #expect(driver.machine.current.number == 1)
    }

    @Test("a next-generation worker that dies before ready abandons the reload")
    func deathAbandons() {
        var driver = MachineDriver()
        driver.startReady()
        driver.startReload()
        driver.exit(102, status: 11)
        #expect(driver.machine.lifecycle == .running)
        #expect(driver.machine.lastReloadError?.hasPrefix("worker 0 of generation 2 failed to start: exited before it was ready (killed by signal 11") == true)
        #expect(driver.phase(of: 103) == .stopping(killAt: driver.now + 2_000))
        #expect(driver.phase(of: 100) == .ready)
    }

    @Test("a spawn that fails for the next generation abandons the reload without trying the other slots")
    func spawnFailureAbandons() {
        var driver = MachineDriver(settings: .test(workers: 3))
        driver.startReady()
        driver.failingSpawns = ["posix_spawn: ENOMEM"]
        driver.reloadAnswer = .reloadConfigurationLoaded(.test(workers: 3), listeners: [])
        let reload = driver.startReload()
        #expect(reload.spawns == [.spawn(generation: 2, slot: 0, listenerFD: nil)])
        #expect(driver.machine.lastReloadError == "worker 0 of generation 2 failed to start: posix_spawn: ENOMEM")
        #expect(driver.machine.lifecycle == .running)
        #expect(driver.machine.workers.count == 3)
    }

    @Test("a next generation not ready in time is abandoned")
    func readyTimeout() {
        var driver = MachineDriver()
        driver.startReady()
        driver.startReload()
        driver.receive(.ready, from: 102)
        for _ in 0..<59 {
            driver.advance(by: 1_000)
            driver.heartbeatAll()
        }
        #expect(driver.machine.lifecycle == .reloading(deadline: 61_000))
        let late = driver.advance(by: 1_000)
        #expect(late.logged("reload abandoned, generation 1 keeps serving: generation 2 was not ready within 60000 ms"))
        #expect(late.sends == [.send(.stop, to: 102), .send(.stop, to: 103)])
        #expect(driver.machine.lifecycle == .running)
        #expect(driver.machine.lastReloadError == "generation 2 was not ready within 60000 ms")
    }

    @Test("a hung next-generation worker abandons the reload")
    func hungNextGeneration() {
        var driver = MachineDriver()
        driver.startReady()
        driver.startReload()
        for _ in 0..<11 {
            driver.advance(by: 1_000)
            for pid: pid_t in [100, 101, 103] { driver.receive(.heartbeat(Heartbeat()), from: pid) }
        }
        #expect(driver.history.signals == [.signal(SIGABRT, to: 102)])
        #expect(driver.machine.lastReloadError?.hasPrefix("worker 0 of generation 2 failed to start: sent no heartbeat") == true)
        #expect(driver.phase(of: 103) == .stopping(killAt: 14_000))
    }

    @Test("a current worker that dies during a reload is replaced in the current generation")
    func currentDiesDuringReload() {
        var driver = MachineDriver()
        driver.startReady()
        driver.startReload()
        driver.exit(101)
        let tick = driver.send(.tick)
        #expect(tick.spawns == [.spawn(generation: 1, slot: 1, listenerFD: nil)])
        #expect(driver.machine.lifecycle == .reloading(deadline: driver.now + 60_000))
    }

    @Test("SIGTERM during a reload drains both generations and forgets a queued reload")
    func sigtermDuringReload() {
        var driver = MachineDriver()
        driver.startReady()
        driver.startReload()
        driver.send(.signal(SIGHUP))  // queued
        driver.receive(.ready, from: 102)
        let term = driver.send(.signal(SIGTERM))
        #expect(term.sends == [100, 101, 102, 103].map { .send(.drain(deadlineMs: 10_000), to: $0) })
        #expect(term.notifications == [.stopping(status: "stopping: 4 workers, 0 connections, 0 channels, redis unknown")])
        #expect(driver.machine.next == nil)
        #expect(!driver.machine.pendingReload)

        // Generation 2 becoming ready now changes nothing.
        let late = driver.receive(.ready, from: 103)
        #expect(late.withoutLogs.isEmpty)
        #expect(driver.machine.lifecycle.isStopping)
        #expect(driver.machine.current.number == 1)
        for pid: pid_t in [100, 101, 102, 103] { #expect(driver.exit(pid, status: 0).spawns.isEmpty) }
        #expect(driver.send(.tick).exits == [.stopped])
    }

    @Test("a configuration result that arrives when no reload is running is ignored")
    func strayConfigurationResult() {
        var driver = MachineDriver()
        driver.send(.start)
        let stray = driver.send(.reloadConfigurationLoaded(.test(), listeners: []))
        #expect(stray.withoutLogs.isEmpty)
        #expect(driver.machine.next == nil)
        #expect(driver.machine.lifecycle == .starting)
    }
}
