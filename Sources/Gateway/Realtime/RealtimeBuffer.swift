import DequeModule

/// A worker's recent realtime messages, for sockets that resume (`?resume=1&last_message_id=`):
/// at most `maxMessages` and `maxBytes` (both frames counted), oldest dropped first, as
/// the streams `ReplayHistory` is bounded.
///
/// Cleared when the subscription is lost: what was published meanwhile reached no worker,
/// so a resume from before the loss must be told of the gap, not given a seamless replay.
struct RealtimeBuffer {
    enum Resume {
        /// The messages after the given id, oldest first (possibly none).
        case messages([RealtimeMessage])
        /// The id is not (or no longer, or ambiguously) in the buffer.
        case gap
    }

    let maxMessages: Int
    let maxBytes: Int
    private var messages = Deque<RealtimeMessage>()
    private var bytes = 0

    init(maxMessages: Int, maxBytes: Int) {
        self.maxMessages = maxMessages
        self.maxBytes = maxBytes
    }

    var count: Int { messages.count }

    mutating func append(_ message: RealtimeMessage) {
        guard maxMessages > 0, message.byteCount <= maxBytes else {
            removeAll()
            return
        }
        messages.append(message)
        bytes += message.byteCount
        while messages.count > maxMessages || bytes > maxBytes {
            bytes -= messages.removeFirst().byteCount
        }
    }

    mutating func removeAll() {
        messages.removeAll()
        bytes = 0
    }

    /// What a socket that last saw `id` missed. An id seen twice in the buffer is
    /// ambiguous (the same two messages published twice in a row) and reported as a gap.
    func after(_ id: String) -> Resume {
        var found: Int?
        for index in messages.indices where messages[index].id == id {
            if found != nil { return .gap }
            found = index
        }
        guard let found else { return .gap }
        return .messages(Array(messages[(found + 1)...]))
    }
}
