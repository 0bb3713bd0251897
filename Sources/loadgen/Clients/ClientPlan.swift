import NIOCore
import TestSupport

/// Which connections one client process opens: connection `g` (a global index, so that
/// several processes share one numbering) listens to channel `prefix + g % channels`,
/// leaves from source address `sources[g % sources.count]` and goes to
/// `targets[g % targets.count]`, all on loopback.
struct ClientPlan: Sendable {
    var port: Int
    var firstIndex: Int
    var count: Int
    var channels: Int
    var channelPrefix: String
    var sources: [String]
    var targets: [String]
    var secret: String
    var lastID: String?
    /// Text messages each connection must receive for the process to be "complete" (0: none).
    var expected: Int

    func channel(of index: Int) -> String {
        channelPrefix + String(index % max(1, channels))
    }

    /// The upgrade request of a browser for `channel`: its `async-token` cookie, an
    /// optional `last_id`. The key is fixed: the server's work for it is the same.
    func request(channel: String, target: String) -> ByteBuffer {
        let token = TestTokens.superset(channel: channel, secret: secret)
        let path = lastID.map { "/?last_id=\($0)" } ?? "/"
        let text = "GET \(path) HTTP/1.1\r\nHost: \(target):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Origin: http://\(target):\(port)\r\nCookie: async-token=\(token)\r\n\r\n"
        return ByteBuffer(string: text)
    }

    /// Expands `127.0.0.2-127.0.0.9` or `127.0.0.1,127.0.0.5` into addresses.
    static func addresses(_ spec: String) -> [String] {
        spec.split(separator: ",").flatMap { part -> [String] in
            let ends = part.split(separator: "-")
            guard ends.count == 2, let dot = ends[0].lastIndex(of: "."),
                  let low = Int(ends[0][ends[0].index(after: dot)...]), let high = Int(ends[1].split(separator: ".").last ?? "")
            else { return [String(part)] }
            let stem = ends[0][...dot]
            return (low...max(low, high)).map { "\(stem)\($0)" }
        }
    }
}
