import CoreMetrics
import ServiceMetrics

/// The hub's metrics, recorded through swift-metrics into the worker's backend (and so,
/// via heartbeats, into the supervisor's StatsD). Hot paths tally locally and record
/// once per batch (`increment(by:)`), never once per socket write.
struct HubMetrics {
    let connectedClients: Counter
    let upgradesRejected: Counter
    let connectionsRejected: Counter
    let backpressureDisconnects: Counter
    let sendErrors: Counter
    let eventsRead: Counter
    let eventsDelivered: Counter
    let eventsReplayed: Counter
    let replayGaps: Counter
    let malformedEntries: Counter
    /// Firehose trims past the reader, the entries they removed unread (when known), and
    /// the events recovered for them from channel streams.
    let firehoseTrimmed: Counter
    let firehoseTrimmedEntries: Counter
    let eventsRecovered: Counter
    /// Entry id time (the producer's XADD) to frame written, once per event.
    let deliveryLatency: CoreMetrics.Timer

    init(factory: any MetricsFactory) {
        connectedClients = Counter(label: MetricNames.connectedClient, factory: factory)
        upgradesRejected = Counter(label: MetricNames.upgradeRejected, factory: factory)
        connectionsRejected = Counter(label: MetricNames.connectionRejected, factory: factory)
        backpressureDisconnects = Counter(label: MetricNames.backpressureDisconnect, factory: factory)
        sendErrors = Counter(label: MetricNames.clientSendError, factory: factory)
        eventsRead = Counter(label: MetricNames.eventsRead, factory: factory)
        eventsDelivered = Counter(label: MetricNames.eventsDelivered, factory: factory)
        eventsReplayed = Counter(label: MetricNames.eventsReplayed, factory: factory)
        replayGaps = Counter(label: MetricNames.replayGap, factory: factory)
        malformedEntries = Counter(label: MetricNames.malformedEntries, factory: factory)
        firehoseTrimmed = Counter(label: MetricNames.firehoseTrimmed, factory: factory)
        firehoseTrimmedEntries = Counter(label: MetricNames.firehoseTrimmedEntries, factory: factory)
        eventsRecovered = Counter(label: MetricNames.eventsRecovered, factory: factory)
        deliveryLatency = CoreMetrics.Timer(label: MetricNames.deliveryLatency, factory: factory)
    }
}
