import Atomics
import Foundation
import MonotonicTime

/// The lifecycle every long-lived thread of a worker shares (the firehose reader, the
/// replay threads, the inherited-socket acceptor): `start()` once, `stop()` from any
/// thread (idempotent, does not wait), `join(timeoutMs:)`.
public protocol ThreadLifecycle: Sendable {
    func start()
    func stop()
    /// Waits for the threads to end; false if `timeoutMs` passed first. True at once
    /// when they were never started.
    @discardableResult
    func join(timeoutMs: Int?) -> Bool
}

/// One or more named threads running the same body, stopped one way: a
/// `RedisInterrupter`. Every blocking wait of the body watches it (a Redis connection
/// made with it, a `poll()` that includes `interrupter.descriptor`, a back-off pause
/// through `interrupter.wait`), so a stop wakes the thread at once wherever it waits;
/// the thread then releases what it owns (its sockets) itself, which avoids closing a
/// descriptor another thread is polling. A body that waits on a condition variable
/// instead checks `isStopping` and is woken by its owner after `stop()`.
///
/// The body is handed to `start`, not kept: the threads alone hold it (and whatever it
/// captures, usually the owner) until they end, so an owner stopped and joined is freed.
public final class ServiceThreads: Sendable {
    /// What the threads' waits watch.
    public let interrupter = RedisInterrupter()
    private let name: String
    private let count: Int
    private let started = ManagedAtomic<Bool>(false)
    private let exited: [ExitLatch]

    /// - Parameter name: the thread's name (`name-<index>` when there are several).
    public init(name: String, count: Int = 1) {
        self.name = name
        self.count = max(1, count)
        self.exited = (0..<max(1, count)).map { _ in ExitLatch() }
    }

    public var isStopping: Bool { interrupter.isInterrupted }

    /// Starts the threads, each running `body` with its index; the body returns once
    /// `isStopping` (or when its work is done). Call once.
    public func start(_ body: @escaping @Sendable (_ index: Int) -> Void) {
        let (exchanged, _) = started.compareExchange(expected: false, desired: true, ordering: .relaxed)
        precondition(exchanged, "\(name): start() called twice")
        for index in 0..<count {
            let exited = self.exited[index]
            let thread = Thread {
                body(index)
                exited.open()
            }
            thread.name = count == 1 ? name : "\(name)-\(index)"
            thread.start()
        }
    }

    public func stop() {
        interrupter.interrupt()
    }

    @discardableResult
    public func join(timeoutMs: Int? = nil) -> Bool {
        guard started.load(ordering: .relaxed) else { return true }
        let deadline = timeoutMs.map { MonotonicClock.nanoseconds() + UInt64(max(0, $0)) * 1_000_000 }
        for latch in exited {
            let left = deadline.map { Int((Int64(bitPattern: $0 &- MonotonicClock.nanoseconds()) / 1_000_000)) }
            if !latch.wait(timeoutMs: left.map { max(0, $0) }) { return false }
        }
        return true
    }
}
