/// Incremental decoder: feed it whatever `read()` returned, take out whole frames.
///
/// It validates the header as soon as the 6 header bytes are present, so a garbage
/// length never makes it allocate or wait for a megabyte that will not come. After the
/// first error the stream is out of sync for good: every later call throws the same
/// error, and the owner should close the link.
public struct FrameDecoder: Sendable {
    public let maxFrameBytes: Int
    private var buffer: [UInt8] = []
    /// Index of the first unconsumed byte in `buffer`; consumed bytes are dropped lazily.
    private var readIndex = 0
    private var failure: IPCError?

    public init(maxFrameBytes: Int = IPCProtocol.maxFrameBytes) {
        self.maxFrameBytes = maxFrameBytes
    }

    /// Bytes fed but not yet returned as frames.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    public mutating func feed(_ bytes: some Sequence<UInt8>) {
        guard failure == nil else { return }
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or `nil` when more bytes are needed.
    public mutating func nextFrame() throws(IPCError) -> Frame? {
        if let failure { throw failure }
        let headerEnd = readIndex + IPCProtocol.lengthFieldBytes + IPCProtocol.headerBytes
        guard buffer.count >= headerEnd else { return nil }

        var length = 0
        for offset in 0..<IPCProtocol.lengthFieldBytes {
            length = length << 8 | Int(buffer[readIndex + offset])
        }
        let version = buffer[readIndex + IPCProtocol.lengthFieldBytes]
        let type = buffer[readIndex + IPCProtocol.lengthFieldBytes + 1]

        if length < IPCProtocol.headerBytes { return try fail(.frameTooShort(length: length)) }
        if length > maxFrameBytes { return try fail(.frameTooLarge(length: length, limit: maxFrameBytes)) }
        if !IPCProtocol.supportedVersions.contains(version) { return try fail(.unsupportedVersion(version)) }

        let frameEnd = readIndex + IPCProtocol.lengthFieldBytes + length
        guard buffer.count >= frameEnd else { return nil }
        let payload = Array(buffer[headerEnd..<frameEnd])
        readIndex = frameEnd
        return Frame(version: version, type: type, payload: payload)
    }

    private mutating func fail(_ error: IPCError) throws(IPCError) -> Frame? {
        failure = error
        buffer = []
        readIndex = 0
        throw error
    }

    /// Drops consumed bytes once they are at least half the buffer, keeping appends amortised O(1).
    private mutating func compactIfWorthwhile() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= buffer.count / 2 {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}
