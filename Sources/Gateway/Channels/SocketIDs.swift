import Foundation
import NIOConcurrencyHelpers

/// Makes socket ids: the worker's random prefix, drawn once, and a counter.
///
/// An id only has to be unique among the sockets of a worker's life (it is the payload
/// of the socket's pings, matched against its pongs, and names it in logs); the random
/// prefix keeps the ids of different workers and restarts apart in logs. A `UUID()`
/// per socket read the kernel's random source on every handshake.
///
/// Six random hex characters, a dash and up to 8 hex digits of the counter make at most
/// 15 bytes, which a Swift `String` stores inline: an idle connection holds no separate
/// allocation for its id (a 13-character prefix did, and a copy of its bytes another).
final class SocketIDs: Sendable {
    private let prefix: String
    private let counter = NIOLockedValueBox<UInt64>(0)

    init(prefix: String = String(UUID().uuidString.lowercased().prefix(6))) {
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
