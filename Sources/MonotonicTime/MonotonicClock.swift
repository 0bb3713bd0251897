#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `CLOCK_MONOTONIC`: the project's one clock for deadlines, timeouts and ages.
/// Wall-clock changes cannot move it, and every thread and process of the machine reads
/// the same one (systemd's `MONOTONIC_USEC=` is read against it too).
///
/// Wall-clock time (`CLOCK_REALTIME`, `Date`) is only for what humans read or what
/// other processes compare (log timestamps, a worker's start time, JWT expiry).
public enum MonotonicClock {
    public static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    public static func microseconds() -> UInt64 {
        nanoseconds() / 1_000
    }

    public static func milliseconds() -> Int64 {
        Int64(nanoseconds() / 1_000_000)
    }
}
