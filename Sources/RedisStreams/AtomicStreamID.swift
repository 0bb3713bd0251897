import Atomics
import Events

/// A `StreamID` readable and writable from any thread without a lock.
///
/// An id is two 64-bit words, too wide for one atomic; so each value lives in an
/// immutable box and the box reference is swapped atomically. One allocation per
/// store, i.e. per delivered batch: negligible.
final class AtomicStreamID: Sendable {
    private final class Box: AtomicReference, Sendable {
        let id: StreamID
        init(_ id: StreamID) { self.id = id }
    }

    private let box: ManagedAtomic<Box>

    init(_ id: StreamID) {
        box = ManagedAtomic(Box(id))
    }

    func load() -> StreamID {
        box.load(ordering: .acquiring).id
    }

    func store(_ id: StreamID) {
        box.store(Box(id), ordering: .releasing)
    }
}
