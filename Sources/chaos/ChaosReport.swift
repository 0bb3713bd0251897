import Foundation

/// The figures of a run and its verdict, as printed at the end.
struct ChaosReport {
    let options: ChaosOptions
    let publisher: ChaosPublisher.Counts
    let truthEntries: Int
    let clients: [ChaosClient]
    let faults: FaultInjector.Summary
    /// The supervisor's totals (`status --json`).
    let counters: [String: Int64]
    let verdicts: [DeliveryAudit.ClientVerdict]
    let total: DeliveryAudit.Verdict
    /// Clients still behind when the settling time ran out.
    let behind: Int
    let settledIn: Double
    let elapsed: Double

    /// Slow clients must have tripped the cap at least once, or the run proved nothing
    /// about slow consumers.
    var slowConsumersExercised: Bool {
        options.slowClients == 0 || (counters["ws_client_backpressure_disconnect"] ?? 0) > 0
    }

    /// Every kind of fault was injected at least once.
    var everyFaultInjected: Bool {
        FaultInjector.Kind.allCases.allSatisfy { (faults.counts[$0] ?? 0) > 0 }
    }

    var passed: Bool { total.isClean && behind == 0 && slowConsumersExercised && everyFaultInjected }

    func render() -> String {
        let records = clients.map(\.record)
        let slow = zip(clients, records).filter { $0.0.slow }.map(\.1)
        var closes: [UInt16: Int] = [:]
        for record in records { closes.merge(record.closeCodes, uniquingKeysWith: +) }
        func sum(_ key: KeyPath<ChaosClient.Record, Int>, _ of: [ChaosClient.Record] = records) -> Int { of.reduce(0) { $0 + $1[keyPath: key] } }
        func figure(_ name: String) -> String { "\(name)=\(counters[name].map(String.init) ?? "?")" }

        var lines: [String] = []
        lines.append("")
        lines.append("== chaos \(options.mode.rawValue) (seed \(options.seed)): \(String(format: "%.0f", elapsed)) s in all ==")
        lines.append("events:   \(publisher.events) published and acknowledged (\(options.warmEvents) before clients joined; "
            + "\(publisher.bursts) bursts of \(options.burstSize) channels in one round trip; \(publisher.failures) publish "
            + "attempts failed during Redis outages and were retried); firehose: \(truthEntries) entries")
        lines.append("clients:  \(clients.count) (\(slow.count) slow) on \(options.channels + options.slowClients) channels; "
            + "\(sum(\.upgrades)) upgrades, \(sum(\.failedHandshakes)) handshakes refused or unanswered, "
            + "\(sum(\.disconnects)) connections cut without a close frame, closes received "
            + closes.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))
        lines.append("slow:     \(slow.reduce(0) { $0 + ($1.closeCodes[1013] ?? 0) }) closes 1013 seen and "
            + "\(sum(\.disconnects, slow)) cut-offs by the \(slow.count) slow clients; \(sum(\.upgrades, slow)) reconnects")
        let kinds = FaultInjector.Kind.allCases.map { "\($0.rawValue) ×\(faults.counts[$0] ?? 0)" }
        lines.append("faults:   \(faults.counts.values.reduce(0, +)) injected: " + kinds.joined(separator: ", ")
            + "; \(faults.clientsDropped) client drops")
        if !faults.anomalies.isEmpty {
            lines.append("anomalies: " + faults.anomalies.joined(separator: "; "))
        }
        lines.append("server:   " + [
            "ws_client_backpressure_disconnect", "ws_replay_gap", "ws_events_replayed",
            "ws_events_delivered", "ws_connected_client", "redis_errors",
        ].map(figure).joined(separator: " "))
        lines.append("files:    at most \(faults.maxOpenFilesHere) open here, \(faults.maxOpenFilesWorker) in a worker")
        lines.append("settled:  \(behind == 0 ? "every client caught up" : "\(behind) clients still behind") "
            + String(format: "%.1f s after publishing ended", settledIn))
        lines.append("delivery: \(total.expected) expected, \(total.received) received: lost \(total.lost), "
            + "duplicated \(total.duplicated), out of order \(total.outOfOrder), unexpected \(total.unexpected), "
            + "other channels' \(total.foreign), unparsable \(total.unparsable)")
        let bad = verdicts.filter { !$0.verdict.isClean }
        for verdict in bad.prefix(10) {
            let v = verdict.verdict
            lines.append("  client \(verdict.index)\(verdict.slow ? " (slow)" : "") \(verdict.channel): expected \(v.expected) "
                + "received \(v.received) lost \(v.lost) dup \(v.duplicated) order \(v.outOfOrder) unexpected \(v.unexpected): "
                + verdict.examples.joined(separator: ", ") + "; " + verdict.whereabouts)
        }
        if !slowConsumersExercised {
            lines.append("slow clients never tripped maxSocketBufferBytes: the run did not exercise slow consumers")
        }
        if !everyFaultInjected {
            lines.append("not every kind of fault was injected: the run proved less than it claims (lower --fault-every)")
        }
        lines.append(passed ? "PASS" : "FAIL")
        return lines.joined(separator: "\n")
    }
}
