import Glibc

/// Wall-clock time, for humans only (when a worker started); never for deadlines.
enum WallClock {
    static func epochMilliseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000 + Int64(time.tv_nsec) / 1_000_000
    }
}
