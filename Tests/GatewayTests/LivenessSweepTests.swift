import NIOCore
import NIOEmbedded
import Testing

@testable import Gateway

/// The liveness sweep's buckets and verdicts, without an event loop running.
@Suite struct LivenessSweepTests {
    let loop = EmbeddedEventLoop()

    func sessions(_ count: Int) -> [SocketSession] {
        (0..<count).map { SocketSession(id: "s\($0)", channelID: "c", channel: EmbeddedChannel(loop: loop), now: .now()) }
    }

    @Test func stepsPerInterval() {
        #expect(LivenessSweep.steps(for: .seconds(20)) == 20)
        #expect(LivenessSweep.steps(for: .seconds(1)) == 20)
        #expect(LivenessSweep.steps(for: .milliseconds(999)) == 1, "short intervals keep upstream's single sweep")
        #expect(LivenessSweep.stepDelay(for: .seconds(20)) == .seconds(1))
        #expect(LivenessSweep.stepDelay(for: .milliseconds(100)) == .milliseconds(100))
    }

    @Test func eachStepReturnsOnlyItsOwnBucketAndEverySocketOncePerRound() {
        var sweep = LivenessSweep(pingInterval: .seconds(20))
        let all = sessions(45)
        all.forEach { sweep.add($0) }
        #expect(sweep.count == 45)
        var seen: [String: Int] = [:]
        for step in 0..<sweep.steps {
            let bucket = sweep.nextStepSockets()
            #expect(bucket.count == (step < 5 ? 3 : 2), "round-robin: 45 sockets over 20 buckets")
            #expect(bucket.allSatisfy { $0.pingBucket == step })
            for session in bucket { seen[session.id, default: 0] += 1 }
        }
        #expect(seen.count == 45 && seen.values.allSatisfy { $0 == 1 })
        let again = sweep.nextStepSockets().map(\.id)
        #expect(again == ["s0", "s20", "s40"], "the next round starts over")
    }

    @Test func removalKeepsEveryOtherSocketInItsBucketOnce() {
        var sweep = LivenessSweep(pingInterval: .seconds(20))
        let all = sessions(60)
        all.forEach { sweep.add($0) }
        // Bucket 0 holds s0, s20, s40: remove the first (its slot is taken by the last).
        let removed = sweep.remove(all[0])
        let removedAgain = sweep.remove(all[0])
        #expect(removed)
        #expect(!removedAgain, "a second removal finds nothing")
        #expect(all[0].pingSlot == -1)
        let removedOther = sweep.remove(all[21])
        #expect(removedOther)
        #expect(sweep.count == 58)
        let bucket0 = Set(sweep.nextStepSockets().map(\.id))
        let bucket1 = Set(sweep.nextStepSockets().map(\.id))
        #expect(bucket0 == ["s20", "s40"])
        #expect(bucket1 == ["s1", "s41"])
        #expect(sweep.allSockets.count == 58)
    }

    @Test func aStrangerIsNotRemoved() {
        var sweep = LivenessSweep(pingInterval: .seconds(20))
        let all = sessions(2)
        sweep.add(all[0])
        all[1].pingSlot = 0  // Claims bucket 0, slot 0, which all[0] holds.
        let removed = sweep.remove(all[1])
        #expect(!removed)
        #expect(sweep.count == 1)
        let bucket = sweep.nextStepSockets().map(\.id)
        #expect(bucket == ["s0"])
    }

    @Test func aSingleStepSweepHoldsEverySocket() {
        var sweep = LivenessSweep(pingInterval: .milliseconds(100))
        let all = sessions(5)
        all.forEach { sweep.add($0) }
        let first = sweep.nextStepSockets()
        let second = sweep.nextStepSockets()
        #expect(first.count == 5 && second.count == 5)
    }

    @Test func verdicts() {
        let now = NIODeadline.now()
        let timeout = TimeAmount.seconds(60)
        #expect(LivenessSweep.verdict(isActive: false, lastSeen: now, now: now, responseTimeout: timeout) == .forget)
        #expect(LivenessSweep.verdict(isActive: true, lastSeen: now - .seconds(60), now: now, responseTimeout: timeout) == .terminate)
        #expect(LivenessSweep.verdict(isActive: true, lastSeen: now - .seconds(59), now: now, responseTimeout: timeout) == .ping)
        #expect(LivenessSweep.verdict(isActive: false, lastSeen: now - .seconds(99), now: now, responseTimeout: timeout) == .forget)
    }
}
