@testable import Supervisor
import Glibc
import IPC
import Testing

@Suite("Supervisor state machine: dead workers and respawn back-off")
struct RespawnBackoffTests {
    @Test("a dead worker is replaced in the same pass")
    func firstDeathRespawnsAtOnce() {
        var driver = MachineDriver()
        driver.startReady()
        driver.advance(by: 100)
        let died = driver.exit(101, status: 6 | 0x80)
        #expect(died.logged("worker 1 of generation 1 (pid 101) killed by signal 6"))
        #expect(died.logged("core dumped; respawning now"))
        #expect(driver.machine.current.slots[1].occupant == .vacant(respawnAt: driver.now))
        // The loop ticks right after reaping.
        let tick = driver.send(.tick)
        #expect(tick.spawns == [.spawn(generation: 1, slot: 1, listenerFD: nil)])
        #expect(tick.sends == [.send(.start(StartInfo(generation: 1, index: 1, configJSON: "{}")), to: 102)])
        #expect(tick.logged("worker 1 of generation 1 started: pid 102 (restart 1)"))
        // The replacement's readiness does not announce READY=1 again.
        #expect(driver.receive(.ready, from: 102).notifications.isEmpty)
    }

    @Test("quick deaths back off exponentially up to the cap")
    func backoffGrows() {
        var driver = MachineDriver(settings: .test(workers: 1))
        driver.startReady()
        var delays: [Int64] = []
        for _ in 0..<6 {
            let pid = driver.pid(slot: 0)!
            driver.advance(by: 100)
            driver.exit(pid)
            guard case let .vacant(respawnAt) = driver.machine.current.slots[0].occupant else {
                Issue.record("slot 0 not vacant")
                return
            }
            delays.append(respawnAt - driver.now)
            // Tick until the replacement is there, counting the passes without a spawn.
            var waited: Int64 = 0
            while driver.pid(slot: 0) == nil {
                let actions = driver.advance(by: 50)
                waited += 50
                if driver.pid(slot: 0) == nil { #expect(actions.spawns.isEmpty) }
            }
            #expect(waited >= delays.last!, "not respawned before its time")
            #expect(waited < delays.last! + 50 + 1, "respawned in the first pass after its time")
        }
        #expect(delays == [0, 500, 1_000, 2_000, 4_000, 4_000])
        #expect(driver.machine.current.slots[0].restarts == 6)
        #expect(driver.history.logged("respawning in 4000 ms"))
    }

    @Test("a worker that lived long enough resets the streak")
    func stableLifeResets() {
        var driver = MachineDriver(settings: .test(workers: 1))
        driver.startReady()
        for _ in 0..<3 {
            let pid = driver.pid(slot: 0)!
            driver.advance(by: 100)
            driver.exit(pid)
            driver.run(for: 2_000)
        }
        #expect(driver.machine.current.slots[0].quickExits == 3)
        // Now a long life (heartbeating all along), then a death: respawned at once.
        let pid = driver.pid(slot: 0)!
        driver.receive(.ready, from: pid)
        for _ in 0..<11 {
            driver.advance(by: 1_000)
            driver.receive(.heartbeat(Heartbeat()), from: pid)
        }
        driver.exit(pid)
        #expect(driver.machine.current.slots[0].quickExits == 1)
        #expect(driver.machine.current.slots[0].occupant == .vacant(respawnAt: driver.now))
    }

    @Test("a vacant slot's respawn time only counts for the slot that died")
    func otherSlotsUntouched() {
        var driver = MachineDriver(settings: .test(workers: 3))
        driver.startReady()
        driver.exit(101)
        driver.send(.tick)
        driver.exit(103)
        let tick = driver.send(.tick)
        #expect(tick.spawns == [])
        #expect(driver.machine.current.slots[1].occupant == .vacant(respawnAt: driver.now + 500))
        #expect(driver.pids() == [100, 102])
        driver.run(for: 500)
        #expect(driver.pids() == [100, 104, 102])
    }

    @Test("a spawn that fails in the serving generation retries with the back-off")
    func spawnFailureRetries() {
        var driver = MachineDriver(settings: .test(workers: 1))
        driver.startReady()
        driver.exit(100)
        driver.failingSpawns = ["fork: EAGAIN", "fork: EAGAIN"]
        let first = driver.send(.tick)
        #expect(first.logged("worker 0 of generation 1: fork: EAGAIN"))
        // The failed attempt counts as a quick exit: 100's death was the first, this the second.
        #expect(first.logged("retrying worker 0 in 500 ms"))
        #expect(first.exits.isEmpty)
        #expect(driver.machine.lifecycle == .running)
        #expect(driver.run(for: 400).spawns.isEmpty)
        let second = driver.run(for: 100)
        #expect(second.logged("retrying worker 0 in 1000 ms"))
        driver.run(for: 1_000)
        #expect(driver.pid(slot: 0) == 101)
    }

    @Test("restarts show in the status snapshot per slot and in total")
    func restartsInSnapshot() {
        var driver = MachineDriver()
        driver.startReady()
        driver.exit(100)
        driver.send(.tick)
        driver.exit(102)
        driver.run(for: 500)
        let snapshot = driver.machine.snapshot(now: driver.now, supervisorPID: 1, stopped: false)
        #expect(snapshot.workers.map(\.pid) == [103, 101])
        #expect(snapshot.workers.map(\.restarts) == [2, 0])
        #expect(snapshot.totals.restarts == 2)
        #expect(snapshot.workers[0].phase == "booting")
        #expect(snapshot.workers[0].startedAtEpochMs == MachineDriver.startedAtEpochMs)
    }

    @Test("workers that died while the service ran are replaced from the serving generation's settings")
    func replacementUsesCurrentConfig() {
        var driver = MachineDriver()
        driver.startReady()
        driver.startReload()
        driver.ready(driver.pids(generation: 2))
        #expect(driver.machine.current.number == 2)
        driver.exit(driver.pid(generation: 2, slot: 0)!)
        let respawn = driver.send(.tick)
        #expect(respawn.sends == [.send(.start(StartInfo(generation: 2, index: 0, configJSON: #"{"reloaded":true}"#)), to: 104)])
    }
}
