import Foundation
import NIOConcurrencyHelpers

/// Makes socket ids: the worker's random prefix, drawn once, and a counter.
///
/// An id only has to be unique among the sockets of a worker's life (it is the payload
/// of the socket's pings, matched against its pongs, and names it in logs); the random
/// prefix keeps the ids of different workers and restarts apart in logs. A `UUID()`
/// per socket read the kernel's random source on every handshake.
final class SocketIDs: Sendable {
    private let prefix: String
    private let counter = NIOLockedValueBox<UInt64>(0)

    init(prefix: String = String(UUID().uuidString.lowercased().prefix(13))) {
        self.prefix = prefix
    }

    /// `<prefix>-<n>`: n counts up from 1, in hexadecimal.
    func next() -> String {
        let n = counter.withLockedValue { value in
            value &+= 1
            return value
        }
        return prefix + "-" + String(n, radix: 16)
    }
}
