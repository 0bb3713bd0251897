import CHiredis

/// Parses RESP2 replies from a byte stream, with hiredis's reader doing the parsing.
///
/// Feed it whatever the socket produced, then take complete replies out one by one;
/// a reply split across reads simply is not complete yet. Each hiredis reply object
/// is converted into a `RedisReply` and freed at once, so no C memory outlives a call.
///
/// After a protocol error the decoder is unusable (hiredis keeps its error state): the
/// connection that owns it must be closed.
final class RESPReplyDecoder {
    private let reader: UnsafeMutablePointer<redisReader>

    /// The most elements an array reply may declare. hiredis 0.14 (Debian 12's) has no
    /// such limit and allocates an array's element table (8 bytes per element) as soon
    /// as the header arrives, so 13 bytes from a misbehaving Redis (`*2000000005\r\n`)
    /// asked for 16 GB (found by Fuzz/FuzzRESP). 2^24 (a 128 MB table) is far beyond any
    /// reply this client asks for (COUNT-bounded reads; entries up to 8 million fields).
    /// A larger declared array is a protocol error, as a garbage reply is.
    static let maxArrayElements: Int32 = 1 << 24

    init() {
        // redisReaderCreate only fails when malloc does.
        guard let reader = redisReaderCreate() else {
            fatalError("hiredis: out of memory creating a reply reader")
        }
        reader.pointee.fn = boundedReplyFunctions
        self.reader = reader
    }

    deinit {
        redisReaderFree(reader)
    }

    func feed(_ bytes: UnsafeRawBufferPointer) throws(RedisError) {
        guard append(bytes) else { throw .protocol(readerError) }
    }

    func feed(_ bytes: [UInt8]) throws(RedisError) {
        guard bytes.withUnsafeBytes({ append($0) }) else { throw .protocol(readerError) }
    }

    private func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return true }
        return redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count) == REDIS_OK
    }

    /// The next complete reply, or nil when more bytes are needed.
    func next() throws(RedisError) -> RedisReply? {
        var object: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &object) == REDIS_OK else {
            throw .protocol(readerError)
        }
        guard let object else { return nil }
        defer { freeReplyObject(object) }
        return Self.convert(object.assumingMemoryBound(to: redisReply.self))
    }

    private var readerError: String {
        withUnsafeBytes(of: reader.pointee.errstr) { raw in
            let bytes = raw.prefix { $0 != 0 }
            let text = String(decoding: bytes, as: UTF8.self)
            return text.isEmpty ? "unparseable reply" : text
        }
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            return .bulk(bytes(r.str, r.len))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(r.integer))
        case REDIS_REPLY_NIL:
            return .null
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(r.elements)
            for index in 0..<r.elements {
                if let child = r.element[index] {
                    elements.append(convert(child))
                } else {
                    elements.append(.null)
                }
            }
            return .array(elements)
        default:
            // hiredis 0.14 produces only the six RESP2 types above.
            return .error("unknown hiredis reply type \(r.type)")
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }
}

/// hiredis's own reply constructors (read from a reader it set up), except that
/// `createArray` refuses arrays over `RESPReplyDecoder.maxArrayElements`: hiredis
/// then fails the read ("Out of memory") before allocating anything.
nonisolated(unsafe) private var hiredisCreateArray: (@convention(c) (UnsafePointer<redisReadTask>?, Int32) -> UnsafeMutableRawPointer?)?

nonisolated(unsafe) private let boundedReplyFunctions: UnsafeMutablePointer<redisReplyObjectFunctions> = {
    guard let reader = redisReaderCreate() else {
        fatalError("hiredis: out of memory creating a reply reader")
    }
    defer { redisReaderFree(reader) }
    let functions = UnsafeMutablePointer<redisReplyObjectFunctions>.allocate(capacity: 1)
    functions.initialize(to: reader.pointee.fn.pointee)
    hiredisCreateArray = functions.pointee.createArray
    functions.pointee.createArray = { task, elements in
        guard elements <= RESPReplyDecoder.maxArrayElements else { return nil }
        return hiredisCreateArray?(task, elements)
    }
    return functions
}()
