import Foundation
import TestSupport
import Synchronization

/// Back-to-back `GET /health` on its own thread, recording which worker answered and
/// what failed.
final class ConnectLoop: Sendable {
    struct Tally: Sendable {
        var answers: [Int32: Int] = [:]
        var unattributed = 0
        var failures: [String] = []
        var total: Int { answers.values.reduce(0, +) + unattributed }
    }

    private let port: Int
    private let supervisor: Int32
    private let state = Mutex<(running: Bool, finished: Bool, tally: Tally)>((true, false, Tally()))

    init(port: Int, supervisor: Int32) {
        self.port = port
        self.supervisor = supervisor
        let thread = Thread { [self] in run() }
        thread.name = "connect-loop"
        thread.start()
    }

    var tally: Tally { state.withLock { $0.tally } }

    /// Stops the loop and waits for its last request.
    func stop() async -> Tally {
        state.withLock { $0.running = false }
        _ = await eventually(timeoutMs: 5_000) { state.withLock { $0.finished } }
        return tally
    }

    private func run() {
        while state.withLock({ $0.running }) {
            let result = HealthProbe.get(port: port, candidates: ProcessTable.children(of: supervisor))
            state.withLock { state in
                switch result {
                case .success(let pid?): state.tally.answers[pid, default: 0] += 1
                case .success(nil): state.tally.unattributed += 1
                case .failure(let failure): state.tally.failures.append("\(failure)")
                }
            }
        }
        state.withLock { $0.finished = true }
    }
}
