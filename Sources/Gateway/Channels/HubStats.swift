/// A worker's counters (monotonic since the worker started) as the hub counts them.
/// The supervisor sums them over workers; names are the StatsD names.
struct HubStats {
    var connectedClients: Int64 = 0
    var upgradesRejected: Int64 = 0
    var connectionsRejected: Int64 = 0
    var backpressureDisconnects: Int64 = 0
    var sendErrors: Int64 = 0
    var eventsRead: Int64 = 0
    var eventsDelivered: Int64 = 0
    var eventsReplayed: Int64 = 0
    var replayGaps: Int64 = 0
    var malformedEntries: Int64 = 0

    var counters: [String: Int64] {
        [
            "ws_connected_client": connectedClients,
            "ws_upgrade_rejected": upgradesRejected,
            "ws_connection_rejected": connectionsRejected,
            "ws_client_backpressure_disconnect": backpressureDisconnects,
            "ws_client_send_error": sendErrors,
            "ws_events_read": eventsRead,
            "ws_events_delivered": eventsDelivered,
            "ws_events_replayed": eventsReplayed,
            "ws_replay_gap": replayGaps,
            "ws_malformed_entries": malformedEntries,
        ]
    }
}
