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

extension SupersetEvent {
    /// A Superset 7 realtime message as its producer publishes it on `<prefix>realtime`:
    /// `{"topic": …, "scope": …, "routes": […], "payload": …}` with Python's `json.dumps`
    /// separators (`routes` left out when empty, as for an `authenticated_global`
    /// broadcast). `payload` is JSON text, written as is.
    public static func realtimeJSON(topic: String, scope: String, routes: [String], payload: String) -> String {
        var json = "{\"topic\": \(quoted(topic)), \"scope\": \(quoted(scope))"
        if !routes.isEmpty { json += ", \"routes\": [" + routes.map(quoted).joined(separator: ", ") + "]" }
        return json + ", \"payload\": \(payload)}"
    }

    /// A JSON string literal: `"` and `\` escaped, control characters as `\u00XX`.
    static func quoted(_ text: String) -> String {
        let hex = Array("0123456789abcdef".unicodeScalars)
        var out = "\""
        for scalar in text.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { out += "\\" }
            guard scalar.value < 0x20 else { out.unicodeScalars.append(scalar); continue }
            out += "\\u00"
            out.unicodeScalars.append(contentsOf: [hex[Int(scalar.value >> 4)], hex[Int(scalar.value & 0xF)]])
        }
        return out + "\""
    }
}
