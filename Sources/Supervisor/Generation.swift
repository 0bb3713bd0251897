import Glibc

/// The set of workers started from one configuration: generation 1 at start, one more
/// for every reload that got as far as spawning.
///
/// A generation abandoned during a reload leaves its number free: the next reload's
/// generation takes it again. Workers are therefore matched to slots by pid too, never
/// by generation number alone.
struct Generation: Equatable {
    let number: Int
    let settings: SupervisorSettings
    var slots: [WorkerSlot]
    /// The listening socket each slot's worker gets as fd 4; empty when workers bind
    /// their own. Descriptors the ``SupervisorLoop`` owns; here they are only numbers.
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

    /// Whether `pid` is the worker holding slot `index`.
    func holds(_ pid: pid_t, inSlot index: Int) -> Bool {
        slots.indices.contains(index) && slots[index].pid == pid
    }
}
