@testable import Supervisor
import Testing

@Suite("Restart backoff")
struct RestartBackoffTests {
    let backoff = RestartBackoff(initialDelayMs: 500, maxDelayMs: 4_000, stableAfterMs: 10_000)

    @Test("the first exit respawns at once, then the delay doubles up to the cap")
    func delays() {
        #expect((1...7).map { backoff.delayMs(quickExits: $0) } == [0, 500, 1_000, 2_000, 4_000, 4_000, 4_000])
        #expect(backoff.delayMs(quickExits: 10_000) == 4_000)
    }

    @Test("a worker that lived long enough resets the streak")
    func streak() {
        #expect(backoff.nextStreak(previous: 0, lifetimeMs: 100) == 1)
        #expect(backoff.nextStreak(previous: 3, lifetimeMs: 9_999) == 4)
        #expect(backoff.nextStreak(previous: 3, lifetimeMs: 10_000) == 1)
    }

    @Test("a slot vacates with the backoff delay and counts restarts")
    func slot() {
        var slot = WorkerSlot(index: 0, respawnAt: 0)
        slot.occupant = .worker(10)
        slot.spawns = 3
        #expect(slot.vacate(lifetimeMs: 50, now: 1_000, backoff: backoff) == 0)
        #expect(slot.vacate(lifetimeMs: 50, now: 2_000, backoff: backoff) == 500)
        #expect(slot.occupant == .vacant(respawnAt: 2_500))
        #expect(slot.restarts == 2)
    }
}

@Suite("Status line")
struct StatusLineTests {
    @Test("a running service reads like the design says")
    func running() {
        let line = StatusLine(workers: 2, connections: 15, channels: 3, eventsPerSecond: 120.4,
                              redisStates: ["connected", "connected"])
        #expect(line.text == "2 workers, 15 connections, 3 channels, 120 events/s, redis connected")
    }

    @Test("singular nouns, mixed Redis states, prefix and note")
    func variants() {
        var line = StatusLine(workers: 1, connections: 1, channels: 1, eventsPerSecond: nil,
                              redisStates: ["failing", "connected", "failing"])
        line.prefix = "reloading (generation 3: 1/2 ready)"
        line.note = "reload failed: bad\nconfig"
        #expect(line.text == "reloading (generation 3: 1/2 ready): 1 worker, 1 connection, 1 channel, redis 1 connected, 2 failing; reload failed: bad config")
        #expect(StatusLine(workers: 0, connections: 0, channels: 0, redisStates: []).text
            == "0 workers, 0 connections, 0 channels, redis unknown")
    }
}

@Suite("Counters")
struct CounterTests {
    @Test("deltas survive a worker restart and several workers add up")
    func aggregation() {
        var counters = CounterAggregator()
        counters.record(pid: 1, counters: ["events_read": 100])
        counters.record(pid: 2, counters: ["events_read": 50])
        counters.record(pid: 1, counters: ["events_read": 160])
        counters.forget(pid: 1)
        counters.record(pid: 3, counters: ["events_read": 10])  // pid 1's replacement
        counters.record(pid: 2, counters: ["events_read": 5])   // went backwards: a reset
        let expected: Int64 = 100 + 50 + 60 + 10 + 5
        #expect(counters.totals["events_read"] == expected)
    }

    @Test("the rate is measured between calls")
    func rate() {
        var meter = RateMeter()
        #expect(meter.rate(total: 0, now: 1_000) == nil)
        #expect(meter.rate(total: 500, now: 3_000) == 250)
        #expect(meter.rate(total: 500, now: 3_000) == nil)
    }

    @Test("wait statuses read like a human wrote them")
    func waitStatus() {
        #expect(WaitStatus.describe(3 << 8) == "exited with status 3")
        #expect(WaitStatus.describe(9).hasPrefix("killed by signal 9"))
        #expect(WaitStatus.describe(6 | 0x80).hasSuffix("core dumped"))
    }
}
