import NIOCore

/// How many pings a client may send: a token bucket of `capacity` pings, refilled at
/// `perSecond`. Browsers never send pings (the WebSocket API has none); a client that
/// floods them is closed with 1008 (policy violation) instead of costing a pong each.
struct ClientPingBudget {
    static let capacity = 100.0
    static let perSecond = 10.0

    private var tokens = Self.capacity
    private var updated: NIODeadline?

    /// Takes one ping from the budget; false when the client is over it.
    mutating func spend(at now: NIODeadline) -> Bool {
        if let updated {
            let seconds = Double((now - updated).nanoseconds) / 1e9
            tokens = min(Self.capacity, tokens + max(0, seconds) * Self.perSecond)
        }
        updated = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
