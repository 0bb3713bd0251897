import IPC
import Testing

@Suite("Message coding")
struct MessageCodingTests {
    @Test("every worker message survives encode → decode", arguments: Fixtures.workerMessages)
    func workerRoundTrip(_ message: WorkerMessage) throws {
        var decoder = FrameDecoder()
        decoder.feed(try message.encoded())
        let frame = try #require(try decoder.nextFrame())
        #expect(frame.version == IPCProtocol.version)
        #expect(frame.type == message.type.rawValue)
        #expect(try WorkerMessage(frame: frame) == message)
        #expect(try decoder.nextFrame() == nil)
    }

    @Test("every supervisor message survives encode → decode", arguments: Fixtures.supervisorMessages)
    func supervisorRoundTrip(_ message: SupervisorMessage) throws {
        var decoder = FrameDecoder()
        decoder.feed(try message.encoded())
        let frame = try #require(try decoder.nextFrame())
        #expect(frame.type == message.type.rawValue)
        #expect(try SupervisorMessage(frame: frame) == message)
    }

    @Test("the wire layout is length, version, type, payload")
    func wireLayout() throws {
        #expect(try WorkerMessage.ready.encoded() == [0, 0, 0, 2, 1, 0x02])
        #expect(try SupervisorMessage.stop.encoded() == [0, 0, 0, 2, 1, 0x83])
        let drain = try SupervisorMessage.drain(deadlineMs: 5).encoded()
        let payload = Array(#"{"deadlineMs":5}"#.utf8)
        #expect(drain == Fixtures.header(length: UInt32(2 + payload.count), type: 0x82) + payload)
    }

    @Test("a message type of the other direction is rejected")
    func wrongDirection() throws {
        let start = try SupervisorMessage.stop.frame()
        #expect(throws: IPCError.unknownMessageType(0x83)) { try WorkerMessage(frame: start) }
        let ready = try WorkerMessage.ready.frame()
        #expect(throws: IPCError.unknownMessageType(0x02)) { try SupervisorMessage(frame: ready) }
    }

    @Test("unknown type bytes are rejected", arguments: [UInt8(0x00), 0x06, 0x7f, 0x80, 0x84, 0xff])
    func unknownType(_ type: UInt8) {
        let frame = Frame(type: type)
        #expect(throws: IPCError.unknownMessageType(type)) { try WorkerMessage(frame: frame) }
        #expect(throws: IPCError.unknownMessageType(type)) { try SupervisorMessage(frame: frame) }
    }

    @Test("a malformed payload is an error, not a crash")
    func malformedPayload() {
        let cases: [[UInt8]] = [[], Array("{".utf8), Array("[]".utf8), Array(#"{"pid":"x"}"#.utf8), [0xff, 0xfe]]
        for payload in cases {
            let hello = Frame(type: MessageType.hello.rawValue, payload: payload)
            #expect(throws: IPCError.self) { try WorkerMessage(frame: hello) }
            let start = Frame(type: MessageType.start.rawValue, payload: payload)
            #expect(throws: IPCError.self) { try SupervisorMessage(frame: start) }
        }
    }

    @Test("a heartbeat without the optional reader age decodes")
    func heartbeatWithoutReaderAge() throws {
        let payload = Array(#"{"connections":1,"channels":2,"redisState":"failing","firehoseLastID":"","counters":{},"gauges":{}}"#.utf8)
        let message = try WorkerMessage(frame: Frame(type: MessageType.heartbeat.rawValue, payload: payload))
        #expect(message == .heartbeat(Heartbeat(connections: 1, channels: 2, redisState: "failing")))
    }

    @Test("encoding refuses a frame over the limit")
    func encodeOversize() {
        let huge = WorkerMessage.bootFailed(reason: String(repeating: "x", count: IPCProtocol.maxFrameBytes))
        #expect(throws: IPCError.self) { try huge.encoded() }
    }
}
