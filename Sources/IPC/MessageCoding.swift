#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Payloads of messages that carry one scalar field.
private struct BootFailedPayload: Codable { var reason: String }
private struct DrainPayload: Codable { var deadlineMs: Int }

extension WorkerMessage {
    /// The message as one frame.
    public func frame() throws(IPCError) -> Frame {
        switch self {
        case let .hello(hello): try JSONPayload.frame(type, hello)
        case .ready, .draining: Frame(type: type.rawValue)
        case let .bootFailed(reason): try JSONPayload.frame(type, BootFailedPayload(reason: reason))
        case let .heartbeat(heartbeat): try JSONPayload.frame(type, heartbeat)
        }
    }

    /// The message as bytes on the wire.
    public func encoded() throws(IPCError) -> [UInt8] { try frame().encoded() }

    /// Decodes a frame read from a worker. Throws for supervisor -> worker types.
    public init(frame: Frame) throws(IPCError) {
        switch MessageType(rawValue: frame.type) {
        case .hello: self = .hello(try JSONPayload.decode(Hello.self, frame))
        case .ready: self = .ready
        case .bootFailed: self = .bootFailed(reason: try JSONPayload.decode(BootFailedPayload.self, frame).reason)
        case .heartbeat: self = .heartbeat(try JSONPayload.decode(Heartbeat.self, frame))
        case .draining: self = .draining
        case .start, .drain, .stop, nil: throw .unknownMessageType(frame.type)
        }
    }
}

extension SupervisorMessage {
    /// The message as one frame.
    public func frame() throws(IPCError) -> Frame {
        switch self {
        case let .start(info): try JSONPayload.frame(type, info)
        case let .drain(deadlineMs): try JSONPayload.frame(type, DrainPayload(deadlineMs: deadlineMs))
        case .stop: Frame(type: type.rawValue)
        }
    }

    /// The message as bytes on the wire.
    public func encoded() throws(IPCError) -> [UInt8] { try frame().encoded() }

    /// Decodes a frame read from the supervisor. Throws for worker -> supervisor types.
    public init(frame: Frame) throws(IPCError) {
        switch MessageType(rawValue: frame.type) {
        case .start: self = .start(try JSONPayload.decode(StartInfo.self, frame))
        case .drain: self = .drain(deadlineMs: try JSONPayload.decode(DrainPayload.self, frame).deadlineMs)
        case .stop: self = .stop
        case .hello, .ready, .bootFailed, .heartbeat, .draining, nil: throw .unknownMessageType(frame.type)
        }
    }
}

/// JSON encoding of payloads, with errors mapped to ``IPCError/malformedPayload(type:reason:)``.
enum JSONPayload {
    static func frame(_ type: MessageType, _ value: some Encodable) throws(IPCError) -> Frame {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Frame(type: type.rawValue, payload: Array(try encoder.encode(value)))
        } catch {
            throw .malformedPayload(type: type.rawValue, reason: "\(error)")
        }
    }

    static func decode<T: Decodable>(_: T.Type, _ frame: Frame) throws(IPCError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(frame.payload))
        } catch {
            throw .malformedPayload(type: frame.type, reason: "\(error)")
        }
    }
}
