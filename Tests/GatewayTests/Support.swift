import Events
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded

@testable import Gateway

/// A replay source for unit tests of the hub: it records requests and lets the test
/// answer them when it chooses (end-to-end tests use the real Redis one).
final class ManualReplaySource: ReplaySource {
    struct Request {
        let channelID: String
        let after: StreamID
        let upTo: StreamID
        let completion: @Sendable (Result<ReplayBatch, any Error>) -> Void
    }

    private let box = NIOLockedValueBox<[Request]>([])

    var requests: [Request] { box.withLockedValue { $0 } }

    func fetch(channelID: String, after lastID: StreamID, upTo position: StreamID, completion: @escaping @Sendable (Result<ReplayBatch, any Error>) -> Void) {
        box.withLockedValue { $0.append(Request(channelID: channelID, after: lastID, upTo: position, completion: completion)) }
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
    var texts: [String] = []
    while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
        for frame in ServerFrames.parse(buffer) where frame.opcode == 0x1 {
            texts.append(String(decoding: frame.payload, as: UTF8.self))
        }
    }
    return texts
}

/// Reads all frames written to an embedded socket.
func writtenFrames(_ channel: EmbeddedChannel) throws -> [(opcode: UInt8, payload: [UInt8])] {
    var frames: [(opcode: UInt8, payload: [UInt8])] = []
    while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
        frames += ServerFrames.parse(buffer)
    }
    return frames
}

/// A minimal parser of unmasked server frames, for assertions.
enum ServerFrames {
    static func parse(_ buffer: ByteBuffer) -> [(opcode: UInt8, payload: [UInt8])] {
        var bytes = Array(buffer.readableBytesView)
        var frames: [(opcode: UInt8, payload: [UInt8])] = []
        while bytes.count >= 2 {
            var length = Int(bytes[1] & 0x7F)
            var offset = 2
            if length == 126 {
                length = Int(bytes[2]) << 8 | Int(bytes[3])
                offset = 4
            } else if length == 127 {
                length = bytes[2..<10].reduce(0) { $0 << 8 | Int($1) }
                offset = 10
            }
            guard bytes.count >= offset + length else { break }
            frames.append((bytes[0] & 0x0F, Array(bytes[offset..<(offset + length)])))
            bytes.removeFirst(offset + length)
        }
        return frames
    }
}

func closeCode(_ payload: [UInt8]) -> UInt16? {
    payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
}

extension ChannelHub {
    /// A counter's value in the hub's metrics backend.
    func count(_ name: String) -> Int64 {
        metricsBackend.counter(name)
    }
}
