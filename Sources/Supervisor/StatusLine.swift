/// The one line `systemctl status` shows, e.g.
/// `2 workers, 15 connections, 3 channels, 120 events/s, redis connected`.
struct StatusLine {
    /// Ready workers of the current generation.
    var workers: Int
    /// Sums over every live worker (draining ones still hold connections).
    var connections: Int
    var channels: Int
    /// Firehose events per second, `nil` until measured.
    var eventsPerSecond: Double?
    /// `redisState` of each current worker that reported one.
    var redisStates: [String]
    /// Leading state, e.g. `starting (1/2 ready)`, `stopping`; `nil` while running.
    var prefix: String?
    /// Trailing note, e.g. `reload failed: …`.
    var note: String?

    var text: String {
        var parts = [
            "\(workers) worker\(workers == 1 ? "" : "s")",
            "\(connections) connection\(connections == 1 ? "" : "s")",
            "\(channels) channel\(channels == 1 ? "" : "s")",
        ]
        if let eventsPerSecond { parts.append("\(Int(eventsPerSecond.rounded())) events/s") }
        parts.append(redisSummary)
        var line = parts.joined(separator: ", ")
        if let prefix { line = "\(prefix): \(line)" }
        if let note { line += "; \(note)" }
        // One line: STATUS= ends at the newline.
        return line.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// `redis connected` when all agree, else `redis 1 connected, 1 failing`.
    private var redisSummary: String {
        guard !redisStates.isEmpty else { return "redis unknown" }
        var counts: [String: Int] = [:]
        for state in redisStates { counts[state, default: 0] += 1 }
        if counts.count == 1 { return "redis \(redisStates[0])" }
        return "redis " + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }
}
