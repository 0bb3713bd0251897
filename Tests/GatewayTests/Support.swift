import Events
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import TestSupport

@testable import Gateway

/// A replay source for unit tests of the hub: it records requests and lets the test
/// answer them when it chooses (end-to-end tests use the real Redis one).
final class ManualReplaySource: ReplaySource {
    struct Request {
        let channelID: String
        let after: StreamID
        let upTo: StreamID
        let ticket: ReplayTicket
        let completion: @Sendable (Result<ReplayBatch, any Error>) -> Void
    }

    private let box = NIOLockedValueBox<[Request]>([])

    var requests: [Request] { box.withLockedValue { $0 } }

    func fetch(channelID: String, after lastID: StreamID, upTo position: StreamID, completion: @escaping @Sendable (Result<ReplayBatch, any Error>) -> Void) -> ReplayTicket {
        let ticket = ReplayTicket()
        box.withLockedValue { $0.append(Request(channelID: channelID, after: lastID, upTo: position, ticket: ticket, completion: completion)) }
        return ticket
    }
}

func id(_ ms: UInt64, _ seq: UInt64 = 0) -> StreamID {
    StreamID(milliseconds: ms, sequence: seq)
}

func event(_ streamID: StreamID, channel: String) -> DeliverableEvent {
    let json = "{\"id\":\"\(streamID)\",\"channel_id\":\"\(channel)\"}"
    return DeliverableEvent(id: streamID, channelID: channel, frame: ServerFrame.text(Array(json.utf8), allocator: ByteBufferAllocator()))
}

func encoded(_ streamID: StreamID, channel: String) -> EncodedEvent {
    let entry = StreamEntry(id: streamID, fields: [StreamField(name: "data", value: "{\"channel_id\": \"\(channel)\"}")])
    return try! EventEncoder.encode(entry).get()
}

let testLogger = Logger(label: "test")

/// Reads the text frames written to an embedded socket, as strings.
func writtenTexts(_ channel: EmbeddedChannel) throws -> [String] {
    try writtenFrames(channel).filter { $0.opcode == WebSocketFrame.Opcode.text }.map(\.text)
}

/// Reads all frames written to an embedded socket.
func writtenFrames(_ channel: EmbeddedChannel) throws -> [WebSocketFrame] {
    var decoder = WebSocketFrameDecoder()
    while var buffer = try channel.readOutbound(as: ByteBuffer.self) { decoder.append(&buffer) }
    return try decoder.frames()
}

/// The whole frames in `buffer` (TestSupport's client-side decoder).
func decodedFrames(in buffer: ByteBuffer) throws -> [WebSocketFrame] {
    var decoder = WebSocketFrameDecoder()
    var buffer = buffer
    decoder.append(&buffer)
    return try decoder.frames()
}

func closeCode(_ payload: [UInt8]) -> UInt16? {
    WebSocketFrame(opcode: WebSocketFrame.Opcode.close, payload: payload).closeCode
}

extension ChannelHub {
    /// A counter's value in the hub's metrics backend.
    func count(_ name: String) -> Int64 {
        metricsBackend.counter(name)
    }
}

extension ReplaySource {
    /// `fetch` awaited: the batch, or the fetch's error.
    func replay(_ channelID: String, after lastID: StreamID, upTo position: StreamID) async throws -> ReplayBatch {
        try await withCheckedThrowingContinuation { continuation in
            fetch(channelID: channelID, after: lastID, upTo: position) { continuation.resume(with: $0) }
        }
    }
}
