/// The hub's hot-path counts, kept as plain integers and recorded into `HubMetrics` once
/// per dispatch turn or replay pump (`increment(by:)`), never once per socket write.
struct DeliveryTally {
    /// Firehose events dispatched.
    var read = 0
    /// Live socket writes.
    var delivered = 0
    /// Replay socket writes.
    var replayed = 0

    /// Records the counts and starts over at zero.
    mutating func record(into metrics: HubMetrics) {
        if read > 0 { metrics.eventsRead.increment(by: read) }
        if delivered > 0 { metrics.eventsDelivered.increment(by: delivered) }
        if replayed > 0 { metrics.eventsReplayed.increment(by: replayed) }
        self = DeliveryTally()
    }
}
