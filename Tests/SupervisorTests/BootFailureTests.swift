@testable import Supervisor
import Glibc
import IPC
import Testing

@Suite("Supervisor state machine: boot failure at first start")
struct BootFailureTests {
    @Test("a worker that reports bootFailed stops the service with its reason, no respawn")
    func bootFailedMessage() {
        var driver = MachineDriver()
        driver.send(.start)
        let failed = driver.receive(.bootFailed(reason: "port 8080 is taken"), from: 100)
        #expect(failed.logged("worker 0 of generation 1 (pid 100) failed to start: port 8080 is taken"))
        #expect(failed.logged("worker 0 failed to start: port 8080 is taken; stopping"))
        #expect(failed.sends == [.send(.stop, to: 100), .send(.stop, to: 101)])
        #expect(failed.notifications == [.stopping(status: "failed: 2 workers, 0 connections, 0 channels, redis unknown; worker 0 failed to start: port 8080 is taken")])
        #expect(driver.machine.failureReason == "worker 0 failed to start: port 8080 is taken")
        #expect(driver.phase(of: 101) == .stopping(killAt: driver.now + 2_000))

        // Both exit; nothing is respawned and the service ends non-zero.
        #expect(driver.exit(100).spawns.isEmpty)
        #expect(driver.exit(101).spawns.isEmpty)
        let finish = driver.advance(by: 100)
        #expect(finish.exits == [.failure("worker 0 failed to start: port 8080 is taken")])
        #expect(finish.logged("all workers exited"))
        #expect(driver.machine.exit?.status == 1)
    }

    @Test("the bootFailed reason is kept when it only arrives with the exit")
    func bootFailedAsLastWords() {
        var driver = MachineDriver()
        driver.send(.start)
        let exited = driver.exit(101, status: 1 << 8, lastWords: [.bootFailed(reason: "cannot load the TLS key")])
        #expect(driver.machine.failureReason == "worker 1 failed to start: cannot load the TLS key")
        // Like every other worker, the dying one is told to stop (its link is still open).
        #expect(exited.sends == [.send(.stop, to: 100), .send(.stop, to: 101)])
        #expect(driver.machine.workers[101] == nil)
    }

    @Test("a worker that exits before ready is a boot failure, described by its exit")
    func exitBeforeReady() {
        var driver = MachineDriver()
        driver.send(.start)
        driver.exit(100, status: 3 << 8)
        #expect(driver.machine.failureReason == "worker 0 failed to start: exited before it was ready (exited with status 3)")
        #expect(driver.machine.lifecycle.isStopping)
    }

    @Test("a first-generation worker that dies after ready, while others boot, is a boot failure too")
    func exitAfterReadyWhileStarting() {
        var driver = MachineDriver()
        driver.send(.start)
        driver.receive(.ready, from: 100)
        driver.exit(100, status: 9)
        #expect(driver.machine.failureReason?.hasPrefix("worker 0 failed to start: killed by signal 9") == true)
    }

    @Test("a spawn that fails at first start ends the service at once")
    func spawnFailure() {
        var driver = MachineDriver()
        driver.failingSpawns = ["cannot start worker /usr/bin/superset-websocket: No such file or directory"]
        let actions = driver.send(.start)
        #expect(actions.spawns == [.spawn(generation: 1, slot: 0, listenerFD: nil)])
        #expect(actions.logged("worker 0 of generation 1: cannot start worker"))
        #expect(actions.exits == [.failure("worker 0 failed to start: cannot start worker /usr/bin/superset-websocket: No such file or directory")])
        // Slot 1 was never tried: the generation was gone once slot 0 failed.
        #expect(driver.machine.workers.isEmpty)
    }

    @Test("a later slot's spawn failure stops the workers already started")
    func laterSpawnFailure() {
        var machine = SupervisorStateMachine(configuration: .test, settings: .test(workers: 3), listeners: [], now: 0)
        #expect(machine.handle(.start, at: 0).spawns.count == 1)
        _ = machine.handle(.spawned(generation: 1, slot: 0, pid: 50, startedAtEpochMs: 0), at: 0)
        let failed = machine.handle(.spawnFailed(generation: 1, slot: 1, reason: "EAGAIN"), at: 0)
        #expect(failed.withoutLogs == [
            .send(.stop, to: 50),
            .notify(.stopping(status: "failed: 1 worker, 0 connections, 0 channels, redis unknown; worker 1 failed to start: EAGAIN")),
        ])
        #expect(machine.exit == nil)
        #expect(machine.handle(.exited(pid: 50, waitStatus: 0, lastWords: LinkInput()), at: 10).isEmpty == false)
        #expect(machine.handle(.tick, at: 20).exits == [.failure("worker 1 failed to start: EAGAIN")])
    }

    @Test("workers that ignore stop are killed, and the service exits at its deadline regardless")
    func stragglersAfterBootFailure() {
        var driver = MachineDriver()
        driver.send(.start)
        driver.receive(.bootFailed(reason: "bad"), from: 100)
        let stoppedAt = driver.now
        // 100 exits; 101 hangs.
        driver.exit(100)
        #expect(driver.run(for: 1_900).signals.isEmpty)
        let kill = driver.run(for: 200)
        #expect(kill.signals == [.signal(SIGKILL, to: 101)])
        #expect(kill.logged("worker 1 of generation 1 (pid 101) still running stopping; SIGKILL"))
        #expect(kill.exits.isEmpty)
        // Deadline: stop grace + another kill grace.
        let beforeDeadline = stoppedAt + 4_000 - driver.now
        #expect(driver.run(for: beforeDeadline - 100).exits.isEmpty)
        let end = driver.run(for: 200)
        #expect(end.exits == [.failure("worker 0 failed to start: bad")])
        #expect(end.logged("workers 101 did not exit in time; giving up on them"))
        #expect(end.signals.isEmpty, "already killed once")
    }

    @Test("a second boot failure while failing changes nothing")
    func secondFailure() {
        var driver = MachineDriver()
        driver.send(.start)
        driver.receive(.bootFailed(reason: "first"), from: 100)
        let second = driver.receive(.bootFailed(reason: "second"), from: 101)
        #expect(second.withoutLogs.isEmpty)
        #expect(driver.machine.failureReason == "worker 0 failed to start: first")
    }
}
