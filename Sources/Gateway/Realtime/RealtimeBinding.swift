import NIOCore

/// What a realtime socket is bound to, decided at its upgrade.
///
/// A class: a `SocketSession` holds it by reference, so the ~100 bytes of it are not
/// carried inline by every streams socket (and every idle connection).
final class RealtimeBinding {
    /// The principal's routing key from the token (`user:<id>`, `guest:<hmac>`).
    let channel: String
    /// The tab from `?tab_id=` (upstream's pattern), for `user:<id>:<tab>` routes.
    let tab: String?
    /// Opted in to resume ids (`?resume=1`): frames carry `"id"` first.
    let resume: Bool
    /// The last message id the client saw (`?last_message_id=`), with `resume`.
    let lastMessageID: String?
    /// The token's `exp`, seconds since the epoch.
    let expiresAt: Double
    /// The close scheduled at `exp`.
    var expiry: Scheduled<Void>?

    init(channel: String, tab: String?, resume: Bool, lastMessageID: String?, expiresAt: Double) {
        self.channel = channel
        self.tab = tab
        self.resume = resume
        self.lastMessageID = lastMessageID
        self.expiresAt = expiresAt
    }

    /// Upstream's tab id bound (`superset/tasks/subscription.py` `_TAB_ID_RE`).
    static func isValidTab(_ tab: String) -> Bool {
        (1...64).contains(tab.utf8.count)
            && tab.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }

    /// The registry key of a realtime socket: apart from every streams channel id (a
    /// streams event's `channel_id` cannot start with a NUL byte unless its producer
    /// escapes one on purpose), so the firehose never reaches realtime sockets.
    static func registryKey(for channel: String) -> String {
        "\u{0}realtime:" + channel
    }

    /// The first message a resuming socket gets when its buffer cannot cover the gap.
    static func gapNotice(lastMessageID: String) -> [UInt8] {
        let safe = lastMessageID.utf8.prefix(64).filter { $0 >= 0x21 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        return Array(#"{"topic":"realtime.gap","payload":{"last_message_id":""#.utf8) + safe + Array(#""}}"#.utf8)
    }
}
