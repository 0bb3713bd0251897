import Glibc

/// The set of workers started from one configuration: generation 1 at start, one more
/// for every reload that got as far as spawning.
final class Generation {
    let number: Int
    let settings: SupervisorSettings
    var slots: [WorkerSlot]
    /// The listening socket each slot's worker gets as fd 4; empty when workers bind
    /// their own.
    let listeners: [Int32]

    init(number: Int, settings: SupervisorSettings, listeners: [Int32], now: Int64) {
        self.number = number
        self.settings = settings
        self.listeners = listeners
        self.slots = (0..<settings.workerCount).map { WorkerSlot(index: $0, respawnAt: now) }
    }

    func listener(forSlot index: Int) -> Int32? {
        listeners.indices.contains(index) ? listeners[index] : nil
    }

    var pids: [pid_t] { slots.compactMap(\.pid) }
}
