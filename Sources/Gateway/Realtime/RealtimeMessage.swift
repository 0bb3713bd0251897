import Crypto
import Events
import NIOCore

/// A realtime message ready for the wire: both of its frames are encoded once and the
/// same buffers written to every socket it goes to.
struct RealtimeMessage {
    /// This server's resume id (see `RealtimeMessageID`).
    let id: String
    /// Nil: every realtime socket (`authenticated_global`); otherwise the routes.
    let routes: Set<String>?
    /// `{"topic":…,"payload":…}`: what upstream sends.
    let frame: ByteBuffer
    /// `{"id":…,"topic":…,"payload":…}`: for sockets that opted in with `?resume=1`.
    let frameWithID: ByteBuffer

    var byteCount: Int { frame.readableBytes + frameWithID.readableBytes }

    init(_ envelope: RealtimeEnvelope, id: String, allocator: ByteBufferAllocator) {
        self.id = id
        self.routes = envelope.isBroadcast ? nil : Set(envelope.routes)
        self.frame = ServerFrame.text(envelope.browserJSON, allocator: allocator)
        self.frameWithID = ServerFrame.text(envelope.browserJSON(withID: id), allocator: allocator)
    }

    /// Whether a socket bound to `channel` (and `tab`) gets this message: a broadcast, its
    /// principal's route, or its own tab's route (`<channel>:<tab>`). One test per
    /// socket, so a message matching several routes is still sent once.
    func matches(channel: String, tab: String?) -> Bool {
        guard let routes else { return true }
        if routes.contains(channel) { return true }
        if let tab, routes.contains(channel + ":" + tab) { return true }
        return false
    }
}

/// Ids that every worker gives the same message without talking to each other.
///
/// Pub/Sub carries no id, and a browser's reconnect may land on another worker
/// (`SO_REUSEPORT`), so a worker-local counter cannot be resumed from. Redis delivers a
/// channel's messages to every subscriber in the same order, so the id is a digest of
/// the message and the one before it: any two workers that both received those two
/// messages agree on it. (A digest of the message alone would confuse a repeated message
/// with its earlier copy.)
struct RealtimeMessageID {
    private var previous: [UInt8] = []

    mutating func next(for message: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: message)
        let digest = Array(hasher.finalize())
        previous = Array(SHA256.hash(data: message))
        return digest.prefix(8).map { byte in
            let hex = Array("0123456789abcdef".utf8)
            return String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
        }.joined()
    }

    /// After a gap in the subscription the next message has no known predecessor.
    mutating func reset() {
        previous = []
    }
}
