// The RESP reply decoder (hiredis's reader, and the conversion of its replies) and
// the stream-reply parser (XRANGE and XREAD shapes). Input: the bytes Redis sends; the
// first byte sets the size of the reads they arrive in (1 to 256 bytes), so replies
// split across reads are covered. Every complete reply goes through both parsers.
import FuzzSupport

@testable import RedisStreams

fuzzMain { input in
    guard let first = input.first else { return }
    let chunkSize = Int(first) + 1
    let bytes = UnsafeRawBufferPointer(rebasing: input.dropFirst())
    let decoder = RESPReplyDecoder()
    var offset = 0
    while offset < bytes.count {
        let end = min(offset + chunkSize, bytes.count)
        do {
            try decoder.feed(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
            while let reply = try decoder.next() {
                _ = try? StreamReplyParser.range(reply)
                _ = try? StreamReplyParser.read(reply, stream: "async-events-full")
            }
        } catch {
            return  // A protocol error: the connection would be closed.
        }
        offset = end
    }
}
