import Foundation

/// Opens once, when a thread finishes; any number of threads may wait for it.
///
/// `@unchecked Sendable`: the only mutable state, `isOpen`, is read and written under `condition`.
final class ExitLatch: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false

    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until open, or until `timeoutMs` passed (nil: forever). Returns whether it is open.
    func wait(timeoutMs: Int?) -> Bool {
        let limit = timeoutMs.map { Date(timeIntervalSinceNow: Double($0) / 1000) } ?? .distantFuture
        condition.lock()
        defer { condition.unlock() }
        while !isOpen {
            if !condition.wait(until: limit) { return isOpen }
        }
        return true
    }
}
