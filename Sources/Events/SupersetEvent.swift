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
    /// `{"topic": …, "scope": …, "routes": […], "payload": …}` in Python's `json.dumps`
    /// formatting (`routes` left out when empty, as for an `authenticated_global`
    /// broadcast). `payload` is JSON text, written as is.
    public static func realtimeJSON(topic: String, scope: String, routes: [String], payload: String) -> String {
        var json = "{\"topic\": \(quoted(topic)), \"scope\": \(quoted(scope))"
        if !routes.isEmpty { json += ", \"routes\": [" + routes.map(quoted).joined(separator: ", ") + "]" }
        return json + ", \"payload\": \(payload)}"
    }

    /// A JSON string literal (`ensure_ascii=False` style: only `"`, `\` and controls escaped).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
