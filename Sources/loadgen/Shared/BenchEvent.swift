import Events

/// A Superset-shaped event that carries its publish time.
///
/// The time goes into `job_id`, which Superset fills with a 36-character UUID: here
/// 36 characters too (`<20-digit ns>-<15-digit sequence>`), so the event has the same
/// keys, order and size as Superset's and the server does exactly the same work for it.
enum BenchEvent {
    static func jobID(publishedAtNs: UInt64, sequence: UInt64) -> String {
        pad(publishedAtNs, 20) + "-" + pad(sequence, 15)
    }

    /// The `data` value Superset `XADD`s (Python `json.dumps` formatting).
    static func json(channel: String, publishedAtNs: UInt64, sequence: UInt64) -> String {
        SupersetEvent.json(channel: channel, job: jobID(publishedAtNs: publishedAtNs, sequence: sequence))
    }

    /// What the server sends for such an event (the compact form), for the ceiling server
    /// which has no Redis and writes frames itself.
    static func compactJSON(id: String, channel: String, publishedAtNs: UInt64, sequence: UInt64) -> String {
        let job = jobID(publishedAtNs: publishedAtNs, sequence: sequence)
        return "{\"id\":\"\(id)\",\"channel_id\":\"\(channel)\",\"job_id\":\"\(job)\",\"user_id\":\"1\",\"status\":\"done\","
            + "\"errors\":[],\"result_url\":\"/api/v1/chart/data/qc-\(job.filter { $0 != "-" })\"}"
    }

    private static let marker = Array("\"job_id\":\"".utf8)

    /// The publish time in a received message (compact JSON), or nil when it has none.
    static func publishTime(in payload: UnsafeRawBufferPointer) -> UInt64? {
        let count = payload.count
        let m = marker.count
        guard count >= m + 20 else { return nil }
        var i = 0
        let first = marker[0]
        outer: while i <= count - m - 20 {
            if payload[i] != first { i += 1; continue }
            for k in 1..<m where payload[i + k] != marker[k] {
                i += 1
                continue outer
            }
            var value: UInt64 = 0
            for k in 0..<20 {
                let digit = payload[i + m + k] &- 48
                guard digit < 10 else { return nil }
                value = value &* 10 &+ UInt64(digit)
            }
            return value
        }
        return nil
    }

    private static func pad(_ value: UInt64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
