import Testing

/// The real `superset-websocket serve` (supervisor and worker processes) against a real
/// `redis-server`, with a fake systemd notify socket and real WebSocket clients.
/// Serialized: they measure timing on a 2-core machine.
@Suite("Service end to end", .serialized)
enum EndToEnd {}
