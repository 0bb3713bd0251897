@testable import Supervisor
import Glibc
import IPC
import Testing

@Suite("Supervisor state machine: watchdog and STATUS=")
struct WatchdogAndStatusTests {
    @Test("WATCHDOG=1 every interval while every worker heartbeats")
    func pingsWhileHealthy() {
        var driver = MachineDriver(configuration: .test.with(watchdogIntervalMs: 1_000))
        driver.startReady()
        var pings = 0
        for _ in 0..<50 {
            let actions = driver.advance(by: 100)
            if actions.isWatchdogPing { pings += 1 }
            driver.heartbeatAll()
        }
        // At 0 ms and then every 1,000 ms of the 5 s.
        #expect(pings == 5)
    }

    @Test("no watchdog configured: never a ping")
    func noWatchdog() {
        var driver = MachineDriver()
        driver.startReady()
        #expect(!driver.run(for: 5_000).isWatchdogPing)
    }

    /// A slot whose worker went silent is normally condemned and refilled in the same
    /// pass, before the watchdog looks. The watchdog is the safety net for the case
    /// where that does not happen: here a worker the health check no longer watches
    /// (condemned, yet still in its slot).
    @Test("WATCHDOG withheld while a slot's heartbeat is stale, resumed once it is fresh")
    func withheldWhileStale() {
        var driver = MachineDriver(configuration: .test.with(watchdogIntervalMs: 1_000))
        driver.startReady()
        #expect(driver.advance(by: 100).isWatchdogPing)
        var stuck = driver.machine.workers[100]!
        _ = stuck.condemn(killAt: .max)
        driver.machine.workers[100] = stuck

        var withheld = 0
        var logs: [String] = []
        for _ in 0..<12 {
            let actions = driver.advance(by: 1_000)
            driver.receive(.heartbeat(Heartbeat()), from: 101)
            if !actions.isWatchdogPing { withheld += 1 }
            logs += actions.logLines.filter { $0.contains("watchdog") }
        }
        // Its last word was at 1,000 ms: more than 10,000 ms silent at the ticks of
        // 11,100, 12,100 and 13,100 ms. The reason is logged once.
        #expect(withheld == 3)
        #expect(logs == ["withholding the watchdog ping: worker 0 (pid 100) silent for 10100 ms"])
        #expect(driver.machine.watchdogWithheld)

        driver.receive(.heartbeat(Heartbeat()), from: 100)
        let resumed = driver.advance(by: 1_000)
        #expect(resumed.isWatchdogPing)
        #expect(resumed.logged("watchdog pings resumed"))
        #expect(!driver.machine.watchdogWithheld)
    }

    @Test("WATCHDOG withheld for a slot whose worker vanished, or whose respawn is overdue")
    func withheldForForgottenSlot() {
        var driver = MachineDriver(configuration: .test.with(watchdogIntervalMs: 1_000))
        driver.startReady()
        driver.machine.current.slots[0].occupant = .worker(999)
        let lost = driver.advance(by: 100)
        #expect(!lost.isWatchdogPing)
        #expect(lost.logged("withholding the watchdog ping: slot 0 lost its worker 999"))

        var reloading = MachineDriver(configuration: .test.with(watchdogIntervalMs: 1_000))
        reloading.startReady()
        reloading.startReload()
        // A tick refills only the serving generation's slots, never a booting one's.
        reloading.machine.next!.slots[1].occupant = .vacant(respawnAt: reloading.now - 10_001)
        let overdue = reloading.advance(by: 100)
        #expect(overdue.spawns.isEmpty)
        #expect(!overdue.isWatchdogPing)
        #expect(overdue.logged("withholding the watchdog ping: worker slot 1 not respawned"))
    }

    @Test("a worker being replaced does not stop the pings, nor its respawn's back-off")
    func replacementKeepsPinging() {
        var driver = MachineDriver(configuration: .test.with(watchdogIntervalMs: 100))
        driver.startReady()
        driver.exit(100)
        let tick = driver.advance(by: 100)
        #expect(tick.spawns.count == 1)
        #expect(tick.isWatchdogPing)
        driver.exit(102)  // a quick second death: respawn in 500 ms
        let waiting = driver.advance(by: 100)
        #expect(waiting.spawns.isEmpty)
        #expect(waiting.isWatchdogPing)
    }

    @Test("the watchdog keeps pinging while stopping: the loop still runs")
    func pingsWhileStopping() {
        var driver = MachineDriver(configuration: .test.with(watchdogIntervalMs: 1_000))
        driver.startReady()
        driver.send(.signal(SIGTERM))
        #expect(driver.run(for: 12_000).notifications.filter { $0 == .watchdog }.count == 12)
    }

    @Test("STATUS= every status interval, and at once after a change")
    func statusCadence() {
        var driver = MachineDriver()
        driver.startReady()
        #expect(driver.advance(by: 100).statusTexts.count == 1)
        #expect(driver.run(for: 1_900).statusTexts.isEmpty)
        #expect(driver.advance(by: 100).statusTexts.count == 1)
        driver.exit(100)
        let change = driver.advance(by: 100)
        #expect(change.statusTexts == ["1 worker, 0 connections, 0 channels, redis unknown"])
    }

    @Test("the events rate is per worker, measured between status refreshes")
    func eventsRate() {
        var driver = MachineDriver()
        driver.startReady()
        driver.heartbeatAll(Heartbeat(redisState: "connected", counters: [HeartbeatCounter.eventsRead: 0]))
        driver.advance(by: 100)  // first measurement: no rate yet
        for pid: pid_t in [100, 101] {
            driver.receive(.heartbeat(Heartbeat(redisState: "connected", counters: [HeartbeatCounter.eventsRead: 400])), from: pid)
        }
        let refreshed = driver.run(for: 2_000)
        // 800 events in 2 s over 2 workers that each read the whole firehose.
        #expect(refreshed.statusTexts == ["2 workers, 0 connections, 0 channels, 200 events/s, redis connected"])
        #expect(driver.machine.counters.totals[HeartbeatCounter.eventsRead] == 800)
    }

    @Test("counters survive a worker's replacement")
    func countersSurviveRestart() {
        var driver = MachineDriver()
        driver.startReady()
        driver.receive(.heartbeat(Heartbeat(counters: ["ws_events_read": 70])), from: 100)
        driver.exit(100)
        driver.send(.tick)
        driver.receive(.heartbeat(Heartbeat(counters: ["ws_events_read": 5])), from: 102)
        let snapshot = driver.machine.snapshot(now: driver.now, supervisorPID: 42, stopped: false)
        #expect(snapshot.totals.counters["ws_events_read"] == 75)
        #expect(snapshot.supervisorPID == 42)
        #expect(snapshot.state == "running")
    }

    @Test("the snapshot describes each worker and the totals")
    func snapshot() {
        var driver = MachineDriver()
        driver.startReady()
        driver.receive(.heartbeat(Heartbeat(connections: 4, channels: 2, redisState: "failing",
                                            readerProgressAgeMs: 12, firehoseLastID: "1-0")), from: 101)
        driver.now += 250
        let snapshot = driver.machine.snapshot(now: driver.now, supervisorPID: 7, stopped: false)
        #expect(snapshot.generation == 1)
        #expect(snapshot.statusLine == "2 workers, 4 connections, 2 channels, redis failing")
        let worker = snapshot.workers[1]
        #expect(worker.pid == 101)
        #expect(worker.phase == "ready")
        #expect(worker.lastHeartbeatAgeMs == 250)
        #expect(worker.connections == 4)
        #expect(worker.redisState == "failing")
        #expect(worker.readerProgressAgeMs == 12)
        #expect(worker.firehoseLastID == "1-0")
        #expect(snapshot.totals.workers == 2)
        #expect(snapshot.totals.connections == 4)
        #expect(snapshot.workers[0].redisState == nil)
    }

    @Test("STATUS= after a failure says failed and why")
    func failedStatus() {
        var driver = MachineDriver()
        driver.send(.start)
        driver.receive(.bootFailed(reason: "no"), from: 100)
        driver.exit(100)
        #expect(driver.advance(by: 100).statusTexts == ["failed: 1 worker, 0 connections, 0 channels, redis unknown; worker 0 failed to start: no"])
        #expect(driver.machine.snapshot(now: driver.now, supervisorPID: 1, stopped: false).state == "stopping")
    }
}
