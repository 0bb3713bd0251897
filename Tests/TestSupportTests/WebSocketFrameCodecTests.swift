import NIOCore
import Testing
import TestSupport

@Suite struct WebSocketFrameCodecTests {
    static func frame(_ opcode: UInt8, _ payload: [UInt8], masking: WebSocketFrameEncoder.Masking = .none, fin: Bool = true) -> [UInt8] {
        WebSocketFrameEncoder.encode(opcode: opcode, payload: payload, masking: masking, fin: fin)
    }

    static let sizes = [0, 1, 125, 126, 127, 65_535, 65_536, 200_000]

    @Test(arguments: sizes)
    func lengthsRoundTripInTheirMinimalEncoding(size: Int) throws {
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let bytes = Self.frame(0x2, payload)
        let expectedHeader = size < 126 ? 2 : size <= 0xFFFF ? 4 : 10
        #expect(bytes.count == expectedHeader + size)
        var decoder = WebSocketFrameDecoder()
        decoder.append(bytes)
        #expect(try decoder.next() == WebSocketFrame(opcode: 0x2, payload: payload))
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedBytes == 0)
    }

    @Test func maskedFramesAreUnmasked() throws {
        let payload = Array("a browser's frame".utf8)
        for masking in [WebSocketFrameEncoder.Masking.random, .key(1, 2, 3, 4), .key(0, 0, 0, 0)] {
            let bytes = Self.frame(0x1, payload, masking: masking)
            #expect(bytes[1] & 0x80 != 0)
            var decoder = WebSocketFrameDecoder()
            decoder.append(bytes)
            #expect(try decoder.next() == WebSocketFrame(opcode: 0x1, payload: payload))
        }
        // A fixed key really is applied to the bytes on the wire.
        let wire = Self.frame(0x1, [0, 0, 0, 0, 0], masking: .key(1, 2, 3, 4))
        #expect(Array(wire[6...]) == [1, 2, 3, 4, 1])
    }

    @Test func severalFramesInOneReadComeOutInOrder() throws {
        let bytes = Self.frame(0x1, Array("one".utf8)) + Self.frame(0x9, Array("p".utf8)) + Self.frame(0x1, Array(repeating: 0x41, count: 300))
            + Self.frame(0x8, [0x03, 0xE9])
        var decoder = WebSocketFrameDecoder()
        decoder.append(bytes)
        let frames = try decoder.frames()
        #expect(frames.map(\.opcode) == [0x1, 0x9, 0x1, 0x8])
        #expect(frames[0].text == "one")
        #expect(frames[2].payload.count == 300)
        #expect(frames[3].closeCode == 1001)
    }

    /// Fed one byte at a time, every split point of every header form is a partial frame
    /// until its last byte arrives.
    @Test func partialFramesWaitForTheirLastByte() throws {
        let frames = [Self.frame(0x1, Array("x".utf8)), Self.frame(0x1, Array(repeating: 7, count: 126)),
                      Self.frame(0x2, Array(repeating: 9, count: 70_000)), Self.frame(0xA, [1, 2], masking: .key(5, 6, 7, 8))]
        var decoder = WebSocketFrameDecoder()
        var got: [WebSocketFrame] = []
        for bytes in frames {
            for (index, byte) in bytes.enumerated() {
                decoder.append([byte])
                if let frame = try decoder.next() {
                    #expect(index == bytes.count - 1, "a frame came out before its last byte")
                    got.append(frame)
                }
            }
        }
        #expect(got.map(\.payload.count) == [1, 126, 70_000, 2])
        #expect(got[3].payload == [1, 2])
        #expect(decoder.bufferedBytes == 0)
    }

    @Test func aStreamCutMidFrameKeepsItsWholeFramesAndTheRestBuffered() throws {
        let whole = Self.frame(0x1, Array("kept".utf8))
        let cut = Self.frame(0x1, Array(repeating: 1, count: 1_000))
        var decoder = WebSocketFrameDecoder()
        decoder.append(whole + cut[..<500])
        #expect(try decoder.frames().map(\.text) == ["kept"])
        #expect(decoder.bufferedBytes == 500)
    }

    @Test func finAndReservedBitsAreReported() throws {
        var decoder = WebSocketFrameDecoder()
        decoder.append(WebSocketFrameEncoder.encode(opcode: 0x1, payload: [0x61], masking: .none, fin: false, reservedBits: 0b101))
        let frame = try #require(try decoder.next())
        #expect(frame.fin == false)
        #expect(frame.reservedBits == 0b101)
    }

    @Test func impossibleLengthsAreRefused() throws {
        // 2^63: RFC 6455 requires the most significant bit to be 0.
        var decoder = WebSocketFrameDecoder()
        decoder.append([0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0])
        #expect(throws: WebSocketFrameHeader.Malformed.payloadTooLarge(1 << 63)) { try decoder.next() }
        // Larger than the reader allows.
        var small = WebSocketFrameDecoder(maxPayload: 1_000)
        small.append(Self.frame(0x2, Array(repeating: 0, count: 1_001)))
        #expect(throws: WebSocketFrameHeader.Malformed.payloadTooLarge(1_001)) { try small.next() }
        // A 16-bit length of 5 is not minimal.
        var nonMinimal = WebSocketFrameDecoder()
        nonMinimal.append([0x81, 126, 0, 5, 1, 2, 3, 4, 5])
        #expect(throws: WebSocketFrameHeader.Malformed.nonMinimalLength(5)) { try nonMinimal.next() }
    }

    @Test func headerParsesInPlaceWithoutTheWholePayload() throws {
        let bytes = Self.frame(0x1, Array(repeating: 0, count: 65_536), masking: .key(9, 9, 9, 9))
        let header = try bytes[..<14].withUnsafeBytes { try WebSocketFrameHeader.parse($0) }
        #expect(header?.headerLength == 14)
        #expect(header?.payloadLength == 65_536)
        #expect(header?.frameLength == bytes.count)
        #expect(try bytes[..<9].withUnsafeBytes { try WebSocketFrameHeader.parse($0) } == nil)
    }
}
