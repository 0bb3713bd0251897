import Testing
@testable import RedisStreams

@Suite("RESP encoding and decoding")
struct RESPTests {
    @Test func encodesArraysOfBulkStringsBinarySafe() {
        let bytes = RESPCommandEncoder.encode([Array("SET".utf8), Array("k".utf8), [0x61, 0x0D, 0x0A, 0xFF]])
        #expect(bytes == Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\n".utf8) + [0x61, 0x0D, 0x0A, 0xFF] + Array("\r\n".utf8))
    }

    @Test func decodesEveryReplyTypeEvenFedOneByteAtATime() throws {
        let wire = Array("*6\r\n+OK\r\n-ERR bad\r\n:-42\r\n$4\r\n".utf8) + [0x00, 0x0D, 0x0A, 0xFE]
            + Array("\r\n$-1\r\n*2\r\n*0\r\n*-1\r\n".utf8)
        let expected = RedisReply.array([
            .status("OK"), .error("ERR bad"), .integer(-42), .bulk([0x00, 0x0D, 0x0A, 0xFE]), .null,
            .array([.array([]), .null]),
        ])
        let decoder = RESPReplyDecoder()
        var replies: [RedisReply] = []
        for byte in wire {
            try decoder.feed([byte])
            while let reply = try decoder.next() { replies.append(reply) }
        }
        #expect(replies == [expected])
    }

    @Test func decodesPipelinedRepliesInOrder() throws {
        let decoder = RESPReplyDecoder()
        try decoder.feed(Array(":1\r\n:2\r\n$1\r\n".utf8))
        #expect(try decoder.next() == .integer(1))
        #expect(try decoder.next() == .integer(2))
        #expect(try decoder.next() == nil)
        try decoder.feed(Array("x\r\n".utf8))
        #expect(try decoder.next() == .bulk(Array("x".utf8)))
    }

    @Test func garbageIsAProtocolError() throws {
        let decoder = RESPReplyDecoder()
        try? decoder.feed(Array("?what\r\n".utf8))
        #expect {
            _ = try decoder.next()
        } throws: { error in
            guard case RedisError.protocol = error else { return false }
            return true
        }
    }

    /// Found by Fuzz/FuzzRESP: hiredis 0.14 allocated an array's element table when the
    /// header arrived, so `*2000000005` alone asked for 16 GB. Over the limit it is now a
    /// protocol error before anything is allocated; an array at the limit's scale still decodes.
    @Test func anArrayHeaderOverTheLimitIsAProtocolErrorNotAnAllocation() throws {
        for header in ["*2000000005\r\n", "*33333332\r\n", "*1\r\n*\(Int(RESPReplyDecoder.maxArrayElements) + 1)\r\n"] {
            let decoder = RESPReplyDecoder()
            try? decoder.feed(Array(header.utf8))
            #expect(throws: RedisError.self, "\(header)") { _ = try decoder.next() }
        }
        let decoder = RESPReplyDecoder()
        try decoder.feed(Array("*100000\r\n".utf8) + Array(repeating: Array(":1\r\n".utf8), count: 100_000).flatMap { $0 })
        guard case .array(let items) = try decoder.next() else { Issue.record("not an array"); return }
        #expect(items.count == 100_000)
    }
}
