import Foundation
import ServiceStatus

/// Renders a supervisor snapshot as the table `superset-websocket status` prints.
public enum StatusTable {
    public static func render(_ snapshot: SupervisorSnapshot, nowEpochMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) -> String {
        var lines: [String] = []
        lines.append("superset-websocket: \(snapshot.state), supervisor pid \(snapshot.supervisorPID), generation \(snapshot.generation)")
        lines.append("status: \(snapshot.statusLine)")
        if let error = snapshot.lastReloadError { lines.append("last reload failed: \(error)") }
        lines.append("")
        let header = ["PID", "GEN", "SLOT", "STATE", "UPTIME", "CONNS", "CHANNELS", "HEARTBEAT", "RESTARTS", "REDIS", "FIREHOSE"]
        var rows = [header]
        for worker in snapshot.workers.sorted(by: { ($0.generation, $0.index) < ($1.generation, $1.index) }) {
            rows.append([
                "\(worker.pid)", "\(worker.generation)", "\(worker.index)", worker.phase,
                duration(ms: max(0, nowEpochMs - worker.startedAtEpochMs)), "\(worker.connections)", "\(worker.channels)",
                "\(worker.lastHeartbeatAgeMs) ms ago", "\(worker.restarts)", worker.redisState ?? "-",
                worker.firehoseLastID.flatMap { $0.isEmpty ? nil : $0 } ?? "-",
            ])
        }
        rows.append([
            "total", "", "", "\(snapshot.totals.workers) workers", "", "\(snapshot.totals.connections)",
            "\(snapshot.totals.channels)", "", "\(snapshot.totals.restarts)", "", "",
        ])
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            lines.append(row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        let interesting = ["ws_events_read", "ws_events_delivered", "ws_events_replayed", "ws_connected_client", "ws_upgrade_rejected", "redis_errors"]
        let counters = interesting.compactMap { name in snapshot.totals.counters[name].map { "\(name)=\($0)" } }
        if !counters.isEmpty {
            lines.append("")
            lines.append("since start: " + counters.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }

    static func duration(ms: Int64) -> String {
        let seconds = ms / 1000
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(seconds % 60)s" }
        if seconds < 86_400 { return "\(seconds / 3600)h\((seconds % 3600) / 60)m" }
        return "\(seconds / 86_400)d\((seconds % 86_400) / 3600)h"
    }
}
