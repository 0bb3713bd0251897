/// Decides which of many alike log records to write: the first of each kind at once,
/// then at most one per kind per `intervalMs`, carrying how many were left out since.
///
/// A producer that writes thousands of malformed entries a second must not write
/// thousands of journal lines a second (issue 16): the operator sees each kind of
/// fault when it starts and a count while it lasts; the counter metric has every one.
struct OncePerKind {
    let intervalMs: Int64
    private var kinds: [String: (loggedAt: Int64, suppressed: Int)] = [:]

    init(intervalMs: Int64 = 60_000) {
        self.intervalMs = intervalMs
    }

    /// Whether to log an occurrence of `kind` at `nowMs`: nil to leave it out, else how
    /// many of the kind were left out since the last one logged.
    mutating func admit(_ kind: String, at nowMs: Int64) -> Int? {
        guard let last = kinds[kind] else {
            kinds[kind] = (nowMs, 0)
            return 0
        }
        guard nowMs - last.loggedAt >= intervalMs else {
            kinds[kind] = (last.loggedAt, last.suppressed + 1)
            return nil
        }
        kinds[kind] = (nowMs, 0)
        return last.suppressed
    }
}
