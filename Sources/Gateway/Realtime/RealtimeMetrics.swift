import CoreMetrics
import ServiceMetrics

/// The realtime side's counters, in the worker's swift-metrics backend (so in StatsD).
struct RealtimeMetrics {
    let received: Counter
    let delivered: Counter
    let replayed: Counter
    let gaps: Counter
    let skipped: Counter
    let expired: Counter
    let unavailable: Counter

    init(factory: any MetricsFactory) {
        received = Counter(label: MetricNames.realtimeReceived, factory: factory)
        delivered = Counter(label: MetricNames.realtimeDelivered, factory: factory)
        replayed = Counter(label: MetricNames.realtimeReplayed, factory: factory)
        gaps = Counter(label: MetricNames.realtimeGap, factory: factory)
        skipped = Counter(label: MetricNames.realtimeSkipped, factory: factory)
        expired = Counter(label: MetricNames.realtimeExpired, factory: factory)
        unavailable = Counter(label: MetricNames.realtimeUnavailable, factory: factory)
    }
}
