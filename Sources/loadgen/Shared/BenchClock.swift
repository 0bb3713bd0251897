import Glibc

/// Wall-clock time in nanoseconds (`CLOCK_REALTIME`): the one clock every process of a
/// run shares, so a publish time written by one process can be compared with a receive
/// time read by another on the same machine.
enum BenchClock {
    static func nowNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
