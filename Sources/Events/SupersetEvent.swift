/// An async-query event as Superset's Flask app writes it to Redis: Python's
/// `json.dumps` output (spaces after `:` and `,`), keys in Superset's order. Used by the
/// `publish` command, the tests and the benchmarks, so all of them publish exactly
/// what Superset publishes.
public enum SupersetEvent {
    public static func json(channel: String, job: String, status: String = "done", userID: String = "1") -> String {
        let resultURL = status == "done" ? "\"/api/v1/chart/data/qc-\(job.filter { $0 != "-" })\"" : "null"
        return "{\"channel_id\": \"\(channel)\", \"job_id\": \"\(job)\", \"user_id\": \"\(userID)\", \"status\": \"\(status)\", \"errors\": [], \"result_url\": \(resultURL)}"
    }
}
