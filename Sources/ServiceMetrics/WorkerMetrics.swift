import CoreMetrics
import IPC
import Synchronization

/// A worker's swift-metrics backend. Code records metrics the usual way (`Counter`,
/// `Gauge`, `Timer`); this keeps them in memory for the heartbeat, which carries them
/// to the supervisor, which sums every worker's and sends StatsD. Counters are
/// monotonic since the worker started; timers are drained each heartbeat.
///
/// Metrics are keyed by label; dimensions are not used by this service.
public final class WorkerMetrics: MetricsFactory, Sendable {
    public static let timerCapacity = 256

    private let counters = Mutex<[String: CounterBox]>([:])
    private let gauges = Mutex<[String: GaugeBox]>([:])
    private let timers = Mutex<[String: TimerBox]>([:])

    public init() {}

    /// Every counter's value, by label.
    public func counterValues() -> [String: Int64] {
        counters.withLock { $0.mapValues { $0.value } }
    }

    /// Every gauge's last value, by label.
    public func gaugeValues() -> [String: Int64] {
        gauges.withLock { $0.mapValues { $0.value } }
    }

    /// The timers' samples since the previous call.
    public func drainTimers() -> [String: TimerSamples] {
        timers.withLock { $0.mapValues { $0.drain() }.filter { $0.value.count > 0 } }
    }

    public func counter(_ label: String) -> Int64 {
        counters.withLock { $0[label]?.value ?? 0 }
    }

    // MARK: MetricsFactory

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        counters.withLock { table in
            if let existing = table[label] { return existing }
            let box = CounterBox()
            table[label] = box
            return box
        }
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        // Kept as a whole-number counter, like swift-metrics' accumulating adapter.
        RoundingCounter(counters.withLock { table in
            if let existing = table[label] { return existing }
            let box = CounterBox()
            table[label] = box
            return box
        })
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        gaugeBox(label)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        gaugeBox(label)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        timers.withLock { table in
            if let existing = table[label] { return existing }
            let box = TimerBox(capacity: Self.timerCapacity)
            table[label] = box
            return box
        }
    }

    public func destroyCounter(_ handler: any CounterHandler) {}
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    public func destroyRecorder(_ handler: any RecorderHandler) {}
    public func destroyMeter(_ handler: any MeterHandler) {}
    public func destroyTimer(_ handler: any TimerHandler) {}

    private func gaugeBox(_ label: String) -> GaugeBox {
        gauges.withLock { table in
            if let existing = table[label] { return existing }
            let box = GaugeBox()
            table[label] = box
            return box
        }
    }
}

final class CounterBox: CounterHandler, Sendable {
    private let atomic = Atomic<Int64>(0)

    var value: Int64 { atomic.load(ordering: .relaxed) }

    func increment(by amount: Int64) {
        atomic.add(amount, ordering: .relaxed)
    }

    func reset() {
        atomic.store(0, ordering: .relaxed)
    }
}

final class RoundingCounter: FloatingPointCounterHandler, Sendable {
    private let box: CounterBox

    init(_ box: CounterBox) {
        self.box = box
    }

    func increment(by amount: Double) { box.increment(by: Int64(amount.rounded())) }
    func reset() { box.reset() }
}

final class GaugeBox: RecorderHandler, MeterHandler, Sendable {
    private let atomic = Atomic<Int64>(0)

    var value: Int64 { atomic.load(ordering: .relaxed) }

    func record(_ value: Int64) { atomic.store(value, ordering: .relaxed) }
    func record(_ value: Double) { atomic.store(Int64(value.rounded()), ordering: .relaxed) }
    func set(_ value: Int64) { atomic.store(value, ordering: .relaxed) }
    func set(_ value: Double) { record(value) }
    func increment(by amount: Double) { atomic.add(Int64(amount.rounded()), ordering: .relaxed) }
    func decrement(by amount: Double) { atomic.subtract(Int64(amount.rounded()), ordering: .relaxed) }
}

final class TimerBox: TimerHandler, Sendable {
    private let reservoir: Mutex<TimerReservoir>

    init(capacity: Int) {
        reservoir = Mutex(TimerReservoir(capacity: capacity))
    }

    func recordNanoseconds(_ duration: Int64) {
        reservoir.withLock { $0.record(Double(duration) / 1_000_000) }
    }

    func drain() -> TimerSamples {
        reservoir.withLock { $0.drain() }
    }
}
