import Foundation

/// One row of the results table.
struct Figure: Codable, Sendable {
    var scenario: Int
    var name: String
    var unit: String
    var ours: Double?
    var ceiling: Double?
    var target: String
    /// Whether more is better (handshakes/s) or less (bytes, milliseconds).
    var higherIsBetter: Bool
    var note: String = ""

    /// ours ÷ ceiling.
    var ratio: Double? {
        guard let ours, let ceiling, ceiling != 0 else { return nil }
        return ours / ceiling
    }
}

/// What a run writes: the machine, the sizes, the figures and each scenario's raw counts.
struct BenchResults: Codable, Sendable {
    var date: String
    var mode: String
    var command: String
    var gitCommit: String
    var machine: [String: String]
    var sizes: BenchSizes
    var figures: [Figure] = []
    var details: [String: [String: Double]] = [:]
    var failures: [String] = []

    func markdown() -> String {
        var lines = [
            "# Benchmark \(date) (\(mode))", "",
            "`\(command)` at `\(gitCommit)`", "",
            "Machine: \(machine["nproc"] ?? "?") CPUs, \(machine["memory"] ?? "?"); load average before \(machine["loadavgBefore"] ?? "?"), after \(machine["loadavgAfter"] ?? "?").",
            "Service, Redis and load generator share the machine. \(machine["note"] ?? "")", "",
            "| # | figure | ours | ceiling | ours/ceiling | target | note |",
            "|---|---|---:|---:|---:|---|---|",
        ]
        for figure in figures {
            lines.append("| \(figure.scenario) | \(figure.name) | \(Self.format(figure.ours, figure.unit)) | \(Self.format(figure.ceiling, figure.unit)) | "
                + "\(figure.ratio.map { String(format: "%.2f", $0) } ?? "–") | \(figure.target) | \(figure.note) |")
        }
        if let restarts = details["service"]?["workerRestarts"], restarts > 0 {
            lines += ["", "The supervisor replaced \(Int(restarts)) worker(s) during the service's scenarios (see `workerRestartsSoFar` in the JSON)."]
        }
        if !failures.isEmpty {
            lines += ["", "Broken scenarios:"] + failures.map { "- \($0)" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func format(_ value: Double?, _ unit: String) -> String {
        guard let value else { return "–" }
        let number: String
        if value >= 100 { number = Self.grouped(Int(value.rounded())) }
        else if value >= 10 { number = String(format: "%.1f", value) }
        else { number = String(format: "%.2f", value) }
        return unit.isEmpty ? number : "\(number) \(unit)"
    }

    private static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }
}
