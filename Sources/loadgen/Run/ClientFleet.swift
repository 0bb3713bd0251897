import Foundation

/// Several `loadgen clients` processes sharing one plan (each under the open-file limit),
/// started together and waited for together.
final class ClientFleet {
    struct Plan {
        var port: Int
        var connections: Int
        var processes: Int
        var channels: Int
        var expect = 0
        var lastID: String?
        var inFlight = 256
        var deadline = 120.0
        var receiveBuffer: Int?
    }

    let members: [DrivenProcess]

    init(executable: String, plan: Plan, directory: String, label: String) throws {
        let processes = max(1, plan.processes)
        var members: [DrivenProcess] = []
        var first = 0
        for index in 0..<processes {
            let share = plan.connections / processes + (index < plan.connections % processes ? 1 : 0)
            var arguments = [
                "clients", "--port", String(plan.port), "--first-index", String(first), "--count", String(share),
                "--channels", String(plan.channels), "--expect", String(plan.expect), "--in-flight", String(plan.inFlight),
                "--deadline", String(plan.deadline),
                // Each process leaves from its own source addresses, so that none runs out of ports.
                "--sources", "127.0.0.\(2 + index * 8)-127.0.0.\(9 + index * 8)",
            ]
            if let lastID = plan.lastID { arguments += ["--last-id", lastID] }
            if let receiveBuffer = plan.receiveBuffer { arguments += ["--receive-buffer", String(receiveBuffer)] }
            members.append(try DrivenProcess(
                name: "\(label)-clients-\(index)", executable: executable, arguments: arguments,
                stderrPath: "\(directory)/\(label)-clients-\(index).log"))
            first += share
        }
        self.members = members
    }

    struct Stamp: Decodable { var atNs: UInt64 }
    struct Count: Decodable { var count: Int }

    /// Every member has built its requests (before anything is timed).
    func waitPrepared(timeout: Double) throws {
        for member in members { _ = try member.wait(for: "prepared", as: Count.self, timeout: timeout) }
    }

    /// Every member has answered all its handshakes; returns the latest time.
    @discardableResult
    func waitConnected(timeout: Double) throws -> UInt64 {
        try members.map { try $0.wait(for: "connected", as: Stamp.self, timeout: timeout).atNs }.max() ?? 0
    }

    /// Every member's connections have all their messages; returns the latest time.
    @discardableResult
    func waitComplete(timeout: Double) throws -> UInt64 {
        try members.map { try $0.wait(for: "complete", as: Stamp.self, timeout: timeout).atNs }.max() ?? 0
    }

    /// Asks every member for its figures now, merged.
    func report(timeout: Double = 30) throws -> ClientReport {
        members.forEach { $0.send("report") }
        return ClientReport.merged(try members.map { try $0.wait(for: "report", as: ClientReport.self, timeout: timeout) })
    }

    /// Closes every connection and waits for the processes to exit.
    func finish() {
        members.forEach { $0.send("exit") }
        members.forEach { $0.finish(timeout: 30) }
    }
}
