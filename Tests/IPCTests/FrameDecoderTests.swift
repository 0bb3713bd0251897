import IPC
import Testing

@Suite("Frame decoder")
struct FrameDecoderTests {
    private var stream: [UInt8] {
        get throws {
            try Fixtures.workerMessages.flatMap { try $0.encoded() }
        }
    }

    private func decodeAll(_ decoder: inout FrameDecoder) throws -> [WorkerMessage] {
        var messages: [WorkerMessage] = []
        while let frame = try decoder.nextFrame() { messages.append(try WorkerMessage(frame: frame)) }
        return messages
    }

    @Test("frames fed one byte at a time come out whole and in order")
    func byteByByte() throws {
        var decoder = FrameDecoder()
        var messages: [WorkerMessage] = []
        for byte in try stream {
            decoder.feed(CollectionOfOne(byte))
            messages += try decodeAll(&decoder)
        }
        #expect(messages == Fixtures.workerMessages)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("frames fed in random chunks come out whole and in order", arguments: 0..<20)
    func randomChunks(seed: Int) throws {
        var random = SplitMix64(state: UInt64(seed))
        let bytes = try stream
        var decoder = FrameDecoder()
        var messages: [WorkerMessage] = []
        var offset = 0
        while offset < bytes.count {
            let size = Int.random(in: 1...64, using: &random)
            let end = min(bytes.count, offset + size)
            bytes[offset..<end].withUnsafeBytes { decoder.feed($0) }
            offset = end
            messages += try decodeAll(&decoder)
        }
        #expect(messages == Fixtures.workerMessages)
    }

    @Test("all frames at once come out in one pass")
    func allAtOnce() throws {
        var decoder = FrameDecoder()
        decoder.feed(try stream)
        #expect(try decodeAll(&decoder) == Fixtures.workerMessages)
    }

    @Test("an incomplete frame waits for more bytes")
    func incomplete() throws {
        let bytes = try WorkerMessage.heartbeat(Fixtures.heartbeat).encoded()
        var decoder = FrameDecoder()
        decoder.feed(bytes.dropLast())
        #expect(try decoder.nextFrame() == nil)
        #expect(decoder.bufferedByteCount == bytes.count - 1)
        decoder.feed(bytes.suffix(1))
        #expect(try decoder.nextFrame() != nil)
    }

    @Test("an oversize length is rejected from the header alone")
    func oversize() {
        var decoder = FrameDecoder()
        let length = UInt32(IPCProtocol.maxFrameBytes + 1)
        decoder.feed(Fixtures.header(length: length, type: MessageType.heartbeat.rawValue))
        #expect(throws: IPCError.frameTooLarge(length: Int(length), limit: IPCProtocol.maxFrameBytes)) {
            try decoder.nextFrame()
        }
    }

    @Test("a frame of exactly the limit is accepted")
    func exactlyTheLimit() throws {
        var decoder = FrameDecoder()
        let payload = [UInt8](repeating: 0x20, count: IPCProtocol.maxFrameBytes - IPCProtocol.headerBytes)
        decoder.feed(try Frame(type: MessageType.heartbeat.rawValue, payload: payload).encoded())
        let frame = try #require(try decoder.nextFrame())
        #expect(frame.payload.count == payload.count)
    }

    @Test("a length shorter than the header is rejected", arguments: [UInt32(0), 1])
    func tooShort(length: UInt32) {
        var decoder = FrameDecoder()
        decoder.feed(Fixtures.header(length: length, type: 0x02))
        #expect(throws: IPCError.frameTooShort(length: Int(length))) { try decoder.nextFrame() }
    }

    @Test("an unknown protocol version is rejected", arguments: [UInt8(0), 2, 0xff])
    func unknownVersion(version: UInt8) {
        var decoder = FrameDecoder()
        decoder.feed(Fixtures.header(length: 2, version: version, type: 0x02))
        #expect(throws: IPCError.unsupportedVersion(version)) { try decoder.nextFrame() }
    }

    @Test("after an error the decoder stays failed")
    func staysFailed() throws {
        var decoder = FrameDecoder()
        decoder.feed(Fixtures.header(length: 2, version: 9, type: 0x02))
        #expect(throws: IPCError.unsupportedVersion(9)) { try decoder.nextFrame() }
        decoder.feed(try WorkerMessage.ready.encoded())
        #expect(throws: IPCError.unsupportedVersion(9)) { try decoder.nextFrame() }
    }

    @Test("random garbage never crashes the decoder", arguments: 0..<50)
    func garbage(seed: Int) {
        var random = SplitMix64(state: UInt64(seed) &+ 1_000)
        var decoder = FrameDecoder()
        for _ in 0..<20 {
            let chunk = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            decoder.feed(chunk)
            do {
                while let frame = try decoder.nextFrame() {
                    _ = try? WorkerMessage(frame: frame)
                    _ = try? SupervisorMessage(frame: frame)
                }
            } catch {
                // Once out of sync, it stays so: the same error again, whatever comes next.
                decoder.feed([0, 0, 0, 2, 1, 2])
                #expect(throws: error) { try decoder.nextFrame() }
                return
            }
        }
    }

    @Test("garbage that looks like a valid header still decodes safely")
    func plausibleGarbage() throws {
        var random = SplitMix64(state: 7)
        for _ in 0..<200 {
            let type = MessageType.allCases.randomElement(using: &random)!.rawValue
            let payload = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            var decoder = FrameDecoder()
            decoder.feed(try Frame(type: type, payload: payload).encoded())
            let frame = try #require(try decoder.nextFrame())
            _ = try? WorkerMessage(frame: frame)
            _ = try? SupervisorMessage(frame: frame)
        }
    }
}
