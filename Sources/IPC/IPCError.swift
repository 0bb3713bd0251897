/// Everything that can go wrong on the supervisor <-> worker link.
public enum IPCError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The length field announced more than ``IPCProtocol/maxFrameBytes``.
    case frameTooLarge(length: Int, limit: Int)
    /// The length field announced fewer bytes than the version and type need.
    case frameTooShort(length: Int)
    /// The frame was written by a protocol version this build cannot read.
    case unsupportedVersion(UInt8)
    /// The message type byte is not one this direction of the link knows.
    case unknownMessageType(UInt8)
    /// The payload could not be decoded (or encoded) for its message type.
    case malformedPayload(type: UInt8, reason: String)
    /// A valid message arrived where the protocol does not allow it.
    case unexpectedMessage(String)
    /// The file descriptor is not a socket: the process was not started by a supervisor.
    case notASupervisedWorker(fd: Int32)
    /// The peer closed the link.
    case connectionClosed
    /// Waiting for the peer took too long.
    case timedOut(String)
    /// A system call failed.
    case system(call: String, errno: Int32)

    public var description: String {
        switch self {
        case let .frameTooLarge(length, limit): "IPC frame of \(length) bytes exceeds the \(limit)-byte limit"
        case let .frameTooShort(length): "IPC frame length \(length) is shorter than its header"
        case let .unsupportedVersion(version): "unsupported IPC protocol version \(version)"
        case let .unknownMessageType(type): "unknown IPC message type 0x\(String(type, radix: 16))"
        case let .malformedPayload(type, reason): "malformed payload for IPC message type 0x\(String(type, radix: 16)): \(reason)"
        case let .unexpectedMessage(what): "unexpected IPC message: \(what)"
        case let .notASupervisedWorker(fd): "fd \(fd) is not a socket: workers are started by the supervisor (`serve`)"
        case .connectionClosed: "IPC link closed by peer"
        case let .timedOut(what): "timed out \(what)"
        case let .system(call, errno): "\(call) failed: errno \(errno)"
        }
    }
}
