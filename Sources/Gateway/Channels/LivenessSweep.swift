import NIOCore

/// Which sockets each step of the staggered liveness (ping) sweep checks, and what a
/// check finds.
///
/// The sweep is spread over `steps` steps per ping interval: each socket is still checked
/// once per interval, but the pings of thousands of sockets (and the pongs they bring
/// back) no longer come in one burst that holds event delivery back. The benchmark
/// measured latency p99 at 189 ms when a sweep over 5,000 sockets per worker fell inside
/// its window, 0.9 ms without pings. Intervals under a second keep one step.
///
/// Sockets are kept in one list per step (bucket), assigned round-robin, so a step walks
/// only its own sockets instead of every socket of the worker. Adding and removing cost
/// O(1): a socket knows its bucket and slot, and the bucket's last socket takes the slot.
struct LivenessSweep {
    /// What a check decides for one socket (upstream's `checkSockets`).
    enum Verdict: Equatable {
        /// The connection is gone: forget the socket.
        case forget
        /// Silent for `socketResponseTimeoutMs`: drop it without a close frame.
        case terminate
        /// Ping it, with its id as payload.
        case ping
    }

    static func steps(for interval: TimeAmount) -> Int {
        interval >= .seconds(1) ? 20 : 1
    }

    let steps: Int
    private var buckets: [[SocketSession]]
    private var nextStep = 0
    private var nextBucket = 0
    private(set) var count = 0

    init(pingInterval: TimeAmount) {
        steps = Self.steps(for: pingInterval)
        buckets = Array(repeating: [], count: steps)
    }

    /// The time between two steps.
    static func stepDelay(for interval: TimeAmount) -> TimeAmount {
        .nanoseconds(interval.nanoseconds / Int64(steps(for: interval)))
    }

    mutating func add(_ session: SocketSession) {
        session.pingBucket = nextBucket
        session.pingSlot = buckets[nextBucket].count
        buckets[nextBucket].append(session)
        nextBucket = (nextBucket + 1) % steps
        count += 1
    }

    /// Returns false when the session was not in the sweep (already removed).
    @discardableResult
    mutating func remove(_ session: SocketSession) -> Bool {
        let bucket = session.pingBucket
        let slot = session.pingSlot
        guard bucket >= 0, bucket < steps, slot >= 0, slot < buckets[bucket].count, buckets[bucket][slot] === session else {
            return false
        }
        let last = buckets[bucket].count - 1
        if slot != last {
            let moved = buckets[bucket][last]
            buckets[bucket][slot] = moved
            moved.pingSlot = slot
        }
        buckets[bucket].removeLast()
        session.pingSlot = -1
        count -= 1
        return true
    }

    /// The sockets the next step checks (its bucket); the step after it comes next.
    mutating func nextStepSockets() -> [SocketSession] {
        let sockets = buckets[nextStep]
        nextStep = (nextStep + 1) % steps
        return sockets
    }

    /// Every socket of the sweep, for a whole sweep at once.
    var allSockets: [SocketSession] {
        buckets.flatMap { $0 }
    }

    static func verdict(isActive: Bool, lastSeen: NIODeadline, now: NIODeadline, responseTimeout: TimeAmount) -> Verdict {
        guard isActive else { return .forget }
        return now - lastSeen >= responseTimeout ? .terminate : .ping
    }
}
