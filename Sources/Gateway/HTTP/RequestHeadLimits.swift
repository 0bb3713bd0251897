import NIOHTTP1

/// What a request head may hold, beyond NIO's own parser limit (80 KiB for the whole
/// head, answered 431): browsers send a few hundred bytes and a dozen headers, so a
/// head far past these is a probe or an attack, refused before anything reads it.
enum RequestHeadLimits {
    /// The request target (path and query); longer is 414 URI Too Long, as nginx says.
    static let maxTargetBytes = 8 * 1024
    /// Header lines; more is 431.
    static let maxHeaderCount = 100
    /// Names and values together; more is 431.
    static let maxHeaderBytes = 32 * 1024

    /// The status to refuse `head` with, or nil when it is within the limits.
    static func violation(of head: HTTPRequestHead) -> (status: HTTPResponseStatus, reason: String)? {
        if head.uri.utf8.count > maxTargetBytes {
            return (.uriTooLong, "request target over \(maxTargetBytes) bytes")
        }
        if head.headers.count > maxHeaderCount {
            return (.requestHeaderFieldsTooLarge, "\(head.headers.count) header lines (at most \(maxHeaderCount))")
        }
        let bytes = head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
        if bytes > maxHeaderBytes {
            return (.requestHeaderFieldsTooLarge, "headers of \(bytes) bytes (at most \(maxHeaderBytes))")
        }
        return nil
    }
}
