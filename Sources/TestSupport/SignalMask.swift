import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts child processes with no blocked signals.
///
/// A child inherits the signal mask of the thread that spawns it, and Foundation's
/// `Process` does not reset it. Swift concurrency and Dispatch threads block most signals
/// (SIGTERM included), so a `redis-server` spawned from a test would ignore SIGTERM
/// forever. Spawning from a fresh thread whose mask was cleared avoids that.
public enum SignalMask {
    public static func runWithDefaultMask(_ body: @escaping @Sendable () throws -> Void) throws {
        let outcome = Outcome()
        let thread = Thread {
            var empty = sigset_t()
            sigemptyset(&empty)
            pthread_sigmask(SIG_SETMASK, &empty, nil)
            do { try body() } catch { outcome.error = error }
            outcome.done.signal()
        }
        thread.start()
        outcome.done.wait()
        if let error = outcome.error { throw error }
    }

    /// `@unchecked Sendable`: `error` is written before `done.signal()` and read after `done.wait()`.
    private final class Outcome: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var error: (any Error)?
    }
}
