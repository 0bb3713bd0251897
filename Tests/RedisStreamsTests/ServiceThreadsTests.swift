import Atomics
import Foundation
import RedisStreams
import Testing
import TestSupport

/// The one thread lifecycle of a worker: start, stop (the interrupter), join.
@Suite struct ServiceThreadsTests {
    @Test func joinBeforeStartReturnsAtOnce() {
        let threads = ServiceThreads(name: "idle")
        #expect(threads.join(timeoutMs: 0))
        #expect(!threads.isStopping)
    }

    @Test func stopWakesEveryThreadWaitingOnTheInterrupter() {
        let threads = ServiceThreads(name: "waiter", count: 3)
        let ran = ManagedAtomic<Int>(0)
        let woken = ManagedAtomic<Int>(0)
        threads.start { [interrupter = threads.interrupter] _ in
            ran.wrappingIncrement(ordering: .relaxed)
            if interrupter.wait(milliseconds: 60_000) { woken.wrappingIncrement(ordering: .relaxed) }
        }
        #expect(waitUntil { ran.load(ordering: .relaxed) == 3 })
        #expect(!threads.join(timeoutMs: 50), "still waiting before the stop")
        var joined = false
        let ms = elapsedMs {
            threads.stop()
            threads.stop()  // Idempotent.
            joined = threads.join(timeoutMs: 5_000)
        }
        #expect(joined)
        #expect(ms < 1_000)
        #expect(woken.load(ordering: .relaxed) == 3)
        #expect(threads.isStopping)
    }

    @Test func aPollOnTheDescriptorSeesTheStop() {
        let threads = ServiceThreads(name: "poller")
        threads.start { [interrupter = threads.interrupter] _ in
            var descriptor = pollfd(fd: interrupter.descriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&descriptor, 1, 60_000)
        }
        threads.stop()
        #expect(threads.join(timeoutMs: 5_000))
    }

    @Test func aBodyThatEndsByItselfIsJoined() {
        let threads = ServiceThreads(name: "short", count: 2)
        threads.start { _ in }
        #expect(threads.join(timeoutMs: 5_000))
    }
}
