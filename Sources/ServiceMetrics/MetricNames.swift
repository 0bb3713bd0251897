/// The StatsD names this service sends: upstream's, then this project's.
public enum MetricNames {
    // Upstream's counters.
    public static let connectedClient = "ws_connected_client"
    public static let clientSendError = "ws_client_send_error"
    public static let upgradeRejected = "ws_upgrade_rejected"
    public static let connectionRejected = "ws_connection_rejected"
    public static let backpressureDisconnect = "ws_client_backpressure_disconnect"
    // This project's counters.
    public static let eventsRead = "ws_events_read"
    public static let eventsDelivered = "ws_events_delivered"
    public static let eventsReplayed = "ws_events_replayed"
    public static let replayGap = "ws_replay_gap"
    public static let malformedEntries = "ws_malformed_entries"
    public static let firehoseTrimmed = "ws_firehose_trimmed"
    public static let firehoseTrimmedEntries = "ws_firehose_trimmed_entries"
    public static let eventsRecovered = "ws_events_recovered"
    public static let redisErrors = "redis_errors"
    public static let workerRestarts = "worker_restarts"
    // Realtime (Superset 7) counters.
    public static let realtimeReceived = "ws_realtime_received"
    public static let realtimeDelivered = "ws_realtime_delivered"
    public static let realtimeReplayed = "ws_realtime_replayed"
    public static let realtimeGap = "ws_realtime_gap"
    public static let realtimeSkipped = "ws_realtime_skipped"
    /// Upstream 7.0's name for a socket dropped at its token's `exp`.
    public static let realtimeExpired = "ws_token_expired_disconnect"
    /// Realtime upgrades refused with 503 while the subscriber was down.
    public static let realtimeUnavailable = "ws_realtime_unavailable"
    // Gauges.
    public static let connections = "ws_connections"
    public static let channels = "ws_channels"
    // Timer: entry id time to frame written, in milliseconds.
    public static let deliveryLatency = "ws_delivery_latency"
}
