@testable import Supervisor
import Glibc
import IPC
import Testing

@Suite("Supervisor state machine: first start")
struct FirstStartTests {
    @Test("start asks for one spawn at a time and waits for each result")
    func spawnsOneAtATime() {
        var machine = SupervisorStateMachine(configuration: .test, settings: .test(workers: 2),
                                             listeners: [11, 12], now: 0)
        #expect(machine.handle(.start, at: 0) == [.spawn(generation: 1, slot: 0, listenerFD: 11)])
        // Nothing else happens while the spawn is out, not even a tick's duties...
        #expect(machine.handle(.tick, at: 50).withoutLogs.isEmpty)

        let first = machine.handle(.spawned(generation: 1, slot: 0, pid: 7, startedAtEpochMs: 5), at: 60)
        #expect(first.withoutLogs == [
            .send(.start(StartInfo(generation: 1, index: 0, configJSON: "{}")), to: 7),
            .spawn(generation: 1, slot: 1, listenerFD: 12),
        ])
        #expect(first.logged("worker 0 of generation 1 started: pid 7"))

        let second = machine.handle(.spawned(generation: 1, slot: 1, pid: 8, startedAtEpochMs: 5), at: 60)
        // ...which run once the spawns are done.
        #expect(second.withoutLogs == [
            .send(.start(StartInfo(generation: 1, index: 1, configJSON: "{}")), to: 8),
            .notify(.status("starting (0/2 ready): 0 workers, 0 connections, 0 channels, redis unknown")),
        ])
        #expect(machine.lifecycle == .starting)
        #expect(machine.current.pids == [7, 8])
        #expect(machine.workers[7]?.spawnedAt == 60)
    }

    @Test("the pending tick's respawns, watchdog and status run once the spawn result is in")
    func stepsResumeAfterResult() {
        var machine = SupervisorStateMachine(configuration: .test.with(watchdogIntervalMs: 1_000),
                                             settings: .test(workers: 1), listeners: [], now: 0)
        #expect(machine.handle(.tick, at: 0).withoutLogs == [.spawn(generation: 1, slot: 0, listenerFD: nil)])
        let after = machine.handle(.spawned(generation: 1, slot: 0, pid: 9, startedAtEpochMs: 0), at: 0)
        #expect(after.withoutLogs == [
            .send(.start(StartInfo(generation: 1, index: 0, configJSON: "{}")), to: 9),
            .notify(.watchdog),
            .notify(.status("starting (0/1 ready): 0 workers, 0 connections, 0 channels, redis unknown")),
        ])
    }

    @Test("READY=1 only once every worker of the first generation is ready")
    func readyWhenAllReady() {
        var driver = MachineDriver()
        driver.send(.start)
        #expect(driver.pids() == [100, 101])
        #expect(driver.phase(of: 100) == .booting)

        let first = driver.receive(.ready, from: 100)
        #expect(first.notifications.isEmpty)
        #expect(first.logged("worker 0 of generation 1 ready (pid 100)"))
        #expect(driver.machine.lifecycle == .starting)

        let second = driver.receive(.ready, from: 101)
        #expect(second.notifications == [.ready(status: "2 workers, 0 connections, 0 channels, redis unknown")])
        #expect(second.logged("ready: 2 worker(s) of generation 1"))
        #expect(driver.machine.lifecycle == .running)
    }

    @Test("a second ready from the same worker changes nothing")
    func duplicateReady() {
        var driver = MachineDriver()
        driver.send(.start)
        driver.receive(.ready, from: 100)
        let again = driver.receive(.ready, from: 100)
        #expect(again.withoutLogs.isEmpty)
        #expect(driver.machine.lifecycle == .starting)
    }

    @Test("STATUS= shows the start's progress, then the running service")
    func statusWhileStarting() {
        var driver = MachineDriver()
        driver.send(.start)
        #expect(driver.advance(by: 100).statusTexts == ["starting (0/2 ready): 0 workers, 0 connections, 0 channels, redis unknown"])
        driver.receive(.ready, from: 100)
        #expect(driver.advance(by: 100).statusTexts == ["starting (1/2 ready): 1 worker, 0 connections, 0 channels, redis unknown"])
        // Nothing changed: no STATUS= until the interval is up.
        #expect(driver.advance(by: 100).statusTexts.isEmpty)
        driver.receive(.ready, from: 101)
        driver.heartbeatAll(Heartbeat(connections: 3, channels: 2, redisState: "connected"))
        #expect(driver.run(for: 2_000).statusTexts == ["2 workers, 6 connections, 4 channels, redis connected"])
    }

    @Test("workers are started with the generation's configuration and their slot's listener")
    func startMessageAndListeners() {
        var driver = MachineDriver(settings: .test(workers: 3, configJSON: #"{"port":8080}"#), listeners: [20, 21, 22])
        let actions = driver.send(.start)
        #expect(actions.spawns == [
            .spawn(generation: 1, slot: 0, listenerFD: 20),
            .spawn(generation: 1, slot: 1, listenerFD: 21),
            .spawn(generation: 1, slot: 2, listenerFD: 22),
        ])
        #expect(actions.sends == (0..<3).map { index in
            .send(.start(StartInfo(generation: 1, index: index, configJSON: #"{"port":8080}"#)), to: pid_t(100 + index))
        })
    }

    @Test("a worker that introduces itself wrongly is logged, not punished")
    func helloMismatch() {
        var driver = MachineDriver()
        driver.send(.start)
        let right = driver.receive(.hello(Hello(pid: 100, generation: 1, index: 0)), from: 100)
        #expect(right.isEmpty)
        let wrong = driver.receive(.hello(Hello(pid: 555, generation: 1, index: 1)), from: 101)
        #expect(wrong.withoutLogs.isEmpty)
        #expect(wrong.logged("worker pid 101 introduced itself as pid 555, generation 1, index 1"))
        #expect(driver.phase(of: 101) == .booting)
    }

    @Test("a SIGHUP while starting waits until the service is ready")
    func reloadQueuedWhileStarting() {
        var driver = MachineDriver()
        driver.send(.start)
        let hup = driver.send(.signal(SIGHUP))
        #expect(hup.withoutLogs.isEmpty)
        #expect(hup.logged("SIGHUP: reload queued until the starting state ends"))
        #expect(driver.machine.pendingReload)

        let ready = driver.ready(driver.pids())
        #expect(ready.notifications.first == .ready(status: "2 workers, 0 connections, 0 channels, redis unknown"))
        #expect(ready.notifications.dropFirst().first == .reloading)
        #expect(ready.contains(.loadReloadConfiguration))
        #expect(driver.machine.lifecycle == .reloading(deadline: driver.now + 60_000))
        #expect(driver.pids(generation: 2) == [102, 103])
        #expect(!driver.machine.pendingReload)
    }

    @Test("messages from unknown pids are ignored")
    func unknownPID() {
        var driver = MachineDriver()
        driver.send(.start)
        #expect(driver.receive(.ready, .bootFailed(reason: "x"), from: 4242).isEmpty)
        #expect(driver.exit(4242).isEmpty)
        #expect(driver.machine.lifecycle == .starting)
    }

    @Test("other signals change nothing")
    func otherSignals() {
        var driver = MachineDriver()
        driver.startReady()
        #expect(driver.send(.signal(SIGCHLD)).isEmpty)
        #expect(driver.machine.lifecycle == .running)
    }

    @Test("the poll timeout is the tick, or shorter when the watchdog is due sooner")
    func pollTimeout() {
        var driver = MachineDriver(configuration: .test.with(watchdogIntervalMs: 250))
        #expect(driver.machine.pollTimeoutMs(now: driver.now, tickMs: 100) == 0)
        driver.startReady()
        driver.advance(by: 100)  // pings; next ping 250 ms later
        #expect(driver.machine.pollTimeoutMs(now: driver.now, tickMs: 100) == 100)
        #expect(driver.machine.pollTimeoutMs(now: driver.now + 200, tickMs: 100) == 50)
        #expect(driver.machine.pollTimeoutMs(now: driver.now + 300, tickMs: 100) == 0)
        #expect(MachineDriver().machine.pollTimeoutMs(now: 5_000, tickMs: 100) == 100)
    }
}
