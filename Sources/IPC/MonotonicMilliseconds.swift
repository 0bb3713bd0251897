#if canImport(Glibc)
import Glibc

/// `CLOCK_MONOTONIC` in milliseconds: deadlines that wall-clock changes cannot move.
public enum MonotonicMilliseconds {
    public static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000 + Int64(time.tv_nsec) / 1_000_000
    }
}
#endif
