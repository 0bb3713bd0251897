@testable import Supervisor
import Glibc
import IPC
import Testing

@Suite("Supervisor state machine: hung and broken workers")
struct WorkerHealthTests {
    @Test("a silent worker gets SIGABRT, is replaced at once, and gets SIGKILL after the grace")
    func hungWorker() {
        var driver = MachineDriver()
        driver.startReady()
        let hung: pid_t = 100
        // Worker 101 keeps heartbeating, 100 falls silent.
        for _ in 0..<10 {
            driver.advance(by: 1_000)
            driver.receive(.heartbeat(Heartbeat()), from: 101)
        }
        // 10,000 ms silent is not yet more than the timeout.
        #expect(driver.phase(of: hung) == .ready)
        let condemned = driver.advance(by: 100)
        #expect(condemned.signals == [.signal(SIGABRT, to: hung)])
        #expect(condemned.logged("worker 0 of generation 1 (pid 100) sent no heartbeat for 10100 ms (workerHeartbeatTimeoutMs 10000): aborting it"))
        #expect(condemned.logged("replacing worker 0 now"))
        // The replacement starts in the same pass, while the hung one is being killed.
        #expect(condemned.spawns == [.spawn(generation: 1, slot: 0, listenerFD: nil)])
        #expect(driver.pid(slot: 0) == 102)
        #expect(driver.phase(of: hung) == .condemned(killAt: driver.now + 2_000))

        driver.receive(.heartbeat(Heartbeat()), from: 101)
        driver.receive(.ready, from: 102)
        #expect(driver.run(for: 1_900).signals.isEmpty)
        let killed = driver.advance(by: 100)
        #expect(killed.signals == [.signal(SIGKILL, to: hung)])
        #expect(driver.phase(of: hung) == .killed)
        #expect(driver.run(for: 500).signals.isEmpty, "one SIGKILL is enough")

        // Its exit is expected: no second replacement.
        let reaped = driver.exit(hung, status: SIGKILL)
        #expect(reaped.spawns.isEmpty)
        #expect(reaped.logged("worker 0 of generation 1 (pid 100) killed by signal 9"))
        #expect(driver.machine.current.slots[0].restarts == 1)
    }

    @Test("any message counts as a sign of life")
    func anyMessageIsLife() {
        var driver = MachineDriver()
        driver.startReady()
        for _ in 0..<30 {
            driver.advance(by: 1_000)
            driver.receive(.hello(Hello(pid: 100, generation: 1, index: 0)), from: 100)
            driver.receive(.draining, from: 101)
        }
        #expect(driver.history.signals.isEmpty)
        #expect(driver.pids() == [100, 101])
    }

    @Test("a worker whose Redis reader is stuck is condemned although it heartbeats")
    func stuckReader() {
        var driver = MachineDriver(settings: .test(readBlockMs: 5_000))
        driver.startReady()
        driver.receive(.heartbeat(Heartbeat(readerProgressAgeMs: 10_000)), from: 100)
        #expect(driver.advance(by: 100).signals.isEmpty, "5,000 ms block + 5,000 ms margin is the limit")
        driver.receive(.heartbeat(Heartbeat(readerProgressAgeMs: 10_001)), from: 100)
        let condemned = driver.advance(by: 100)
        #expect(condemned.signals == [.signal(SIGABRT, to: 100)])
        #expect(condemned.logged("has a Redis reader stuck for 10001 ms (limit 10000 ms)"))
        #expect(driver.pid(slot: 0) == 102)
    }

    @Test("a worker that breaks the IPC protocol is condemned and replaced")
    func brokenProtocol() {
        var driver = MachineDriver()
        driver.startReady()
        let broken = driver.send(.received(LinkInput(messages: [.heartbeat(Heartbeat())], failure: "frame too large"), from: 101))
        #expect(broken.logged("worker 1 (pid 101): frame too large"))
        #expect(broken.logged("broke the IPC protocol (frame too large): aborting it"))
        #expect(broken.signals == [.signal(SIGABRT, to: 101)])
        // The replacement comes with the next pass.
        #expect(broken.spawns.isEmpty)
        #expect(driver.advance(by: 100).spawns == [.spawn(generation: 1, slot: 1, listenerFD: nil)])
    }

    @Test("a broken link in the last words of an exited worker is only logged")
    func brokenLastWords() {
        var driver = MachineDriver()
        driver.startReady()
        let exited = driver.send(.exited(pid: 101, waitStatus: 1 << 8, lastWords: LinkInput(failure: "truncated frame")))
        #expect(exited.signals.isEmpty)
        #expect(exited.logged("worker 1 (pid 101): truncated frame"))
        #expect(exited.logged("worker 1 of generation 1 (pid 101) exited with status 1; respawning now"))
    }

    @Test("a hung worker of the first generation while starting is a boot failure")
    func hungWhileStarting() {
        var driver = MachineDriver()
        driver.send(.start)
        driver.receive(.ready, from: 101)
        let actions = driver.run(for: 10_100)
        #expect(actions.signals == [.signal(SIGABRT, to: 100)])
        #expect(driver.machine.failureReason?.hasPrefix("worker 0 failed to start: sent no heartbeat for 10100 ms") == true)
        #expect(actions.spawns.isEmpty)
        // The condemned worker keeps its SIGABRT grace; the other one is stopped.
        #expect(driver.phase(of: 100) == .condemned(killAt: driver.now + 2_000))
        #expect(driver.phase(of: 101) == .stopping(killAt: driver.now + 2_000))
    }

    @Test("a condemned worker is not aborted twice and no longer counts for health")
    func condemnedOnce() {
        var driver = MachineDriver()
        driver.startReady()
        driver.receive(.heartbeat(Heartbeat()), from: 101)
        driver.advance(by: 10_001)
        let second = driver.send(.received(LinkInput(failure: "garbage"), from: 100))
        #expect(second.signals.isEmpty)
        #expect(!second.logged("aborting it"))
    }

    @Test("the heartbeat timeout is the generation's own")
    func timeoutPerGeneration() {
        var driver = MachineDriver(settings: .test(workers: 1, heartbeatTimeoutMs: 500))
        driver.startReady()
        #expect(driver.advance(by: 500).signals.isEmpty)
        #expect(driver.advance(by: 1).signals == [.signal(SIGABRT, to: 100)])
    }
}
