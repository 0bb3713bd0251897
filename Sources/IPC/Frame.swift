/// One unit on the wire: a protocol version, a message type and an opaque payload.
public struct Frame: Equatable, Sendable {
    public var version: UInt8
    public var type: UInt8
    public var payload: [UInt8]

    public init(version: UInt8 = IPCProtocol.version, type: UInt8, payload: [UInt8] = []) {
        self.version = version
        self.type = type
        self.payload = payload
    }

    /// Value of the length field for this frame.
    public var lengthField: Int { IPCProtocol.headerBytes + payload.count }

    /// The frame as bytes on the wire. Fails only when the frame is larger than
    /// ``IPCProtocol/maxFrameBytes``, which the receiving decoder would reject anyway.
    public func encoded() throws(IPCError) -> [UInt8] {
        let length = lengthField
        guard length <= IPCProtocol.maxFrameBytes else {
            throw .frameTooLarge(length: length, limit: IPCProtocol.maxFrameBytes)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(IPCProtocol.lengthFieldBytes + length)
        let bigEndian = UInt32(length).bigEndian
        withUnsafeBytes(of: bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(version)
        bytes.append(type)
        bytes.append(contentsOf: payload)
        return bytes
    }
}
