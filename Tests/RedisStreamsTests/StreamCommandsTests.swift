import Events
import RedisStreams
import TestSupport
import Testing

@Suite("Stream commands against a real redis-server")
struct StreamCommandsTests {
    /// Bytes that are not UTF-8, a NUL, and CR LF inside a value.
    static let awkward: [UInt8] = [0xFF, 0xFE, 0x00, 0x0D, 0x0A, 0xC3, 0x28, 0x0D, 0x0A, 0x24, 0x2D, 0x31]

    @Test func binarySafeRoundTripThroughXaddXrangeXrevrangeXread() throws {
        let server = try RedisServer()
        let connection = try connected(server.endpoint)
        let fieldSets: [[StreamField]] = [
            [StreamField(name: "data", value: #"{"channel_id": "c1", "job_id": "j1"}"#)],
            [StreamField(name: Array("bin\r\nname".utf8), value: Self.awkward), StreamField(name: "z", value: "")],
            [StreamField(name: "data", value: "line1\r\nline2")],
        ]
        var ids: [StreamID] = []
        for fields in fieldSets {
            ids.append(try connection.xadd(stream: "s", fields: fields))
        }
        #expect(ids == ids.sorted() && Set(ids).count == 3)
        let expected = zip(ids, fieldSets).map { StreamEntry(id: $0, fields: $1) }

        #expect(try connection.xrange(stream: "s", from: .zero) == expected)
        #expect(try connection.xrevrange(stream: "s") == expected.reversed())
        #expect(try connection.xrevrange(stream: "s", count: 1) == [expected[2]])
        #expect(try connection.xread(stream: "s", after: .zero, count: 10) == expected)
        #expect(try connection.xread(stream: "s", after: ids[0], count: 10, blockMs: 100) == Array(expected[1...]))
    }

    @Test func xrangeBoundsAreInclusiveAndCountLimits() throws {
        let server = try RedisServer()
        let connection = try connected(server.endpoint)
        let ids = try (1...5).map { n in
            try connection.xadd(stream: "s", id: StreamID(milliseconds: 100, sequence: UInt64(n)),
                                fields: [StreamField(name: "n", value: "\(n)")])
        }
        #expect(try connection.xrange(stream: "s", from: ids[1], to: ids[3]).map(\.id) == Array(ids[1...3]))
        #expect(try connection.xrange(stream: "s", from: ids[1]).map(\.id) == Array(ids[1...]))
        #expect(try connection.xrange(stream: "s", from: ids[1], count: 2).map(\.id) == Array(ids[1...2]))
        #expect(try connection.xrange(stream: "s", from: ids[4].successor).isEmpty)
    }

    @Test func lastGeneratedIDOfMissingNonEmptyAndTrimmedStreams() throws {
        let server = try RedisServer()
        let connection = try connected(server.endpoint)
        #expect(try connection.lastGeneratedID(stream: "missing") == .zero)

        let ids = try (0..<5).map { _ in try connection.xadd(stream: "s", fields: [StreamField(name: "d", value: "x")]) }
        #expect(try connection.lastGeneratedID(stream: "s") == ids[4])

        _ = try connection.command(["XTRIM", "s", "MAXLEN", "0"])
        #expect(try connection.xrange(stream: "s", from: .zero).isEmpty)
        #expect(try connection.lastGeneratedID(stream: "s") == ids[4])

        _ = try connection.command(["SET", "plain", "v"])
        #expect(throws: RedisError.self) { try connection.lastGeneratedID(stream: "plain") }
    }

    @Test func xreadBlockReturnsEmptyOnTimeout() throws {
        let server = try RedisServer()
        let connection = try connected(server.endpoint, responseTimeoutMs: 1_000)
        var entries: [StreamEntry] = [StreamEntry(id: .zero, fields: [])]
        let ms = try elapsedMs {
            entries = try connection.xread(stream: "s", after: .zero, count: 10, blockMs: 150)
        }
        #expect(entries.isEmpty)
        #expect(ms >= 140)
        #expect(connection.isConnected)
    }

    @Test func pipelinedXaddOfAThousandEntries() throws {
        let server = try RedisServer()
        let connection = try connected(server.endpoint)
        let batches = (0..<1_000).map { n in
            [StreamField(name: "data", value: #"{"channel_id": "c\#(n % 7)", "n": \#(n)}"#)]
        }
        let ids = try connection.xaddPipelined(stream: "full", entries: batches, maxlenApprox: 1_000_000)
        #expect(ids.count == 1_000)
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
        let stored = try connection.xrange(stream: "full", from: .zero, count: 2_000)
        #expect(stored == zip(ids, batches).map { StreamEntry(id: $0, fields: $1) })

        let mixed = try connection.pipeline([["PING"], ["NOSUCHCOMMAND"], ["XLEN", "full"]])
        #expect(mixed.count == 3)
        #expect(mixed[0] == .status("PONG"))
        if case .error = mixed[1] {} else { Issue.record("expected an error reply, got \(mixed[1])") }
        #expect(mixed[2] == .integer(1_000))
    }
}
