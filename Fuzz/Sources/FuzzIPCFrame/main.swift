// The IPC frame decoder (supervisor <-> worker link): `FrameDecoder` fed in reads of
// any size. Input: the first byte picks the read size (1 to 256 bytes) and, by its
// top bit, a small frame limit (64 bytes) instead of the protocol's; the rest is the
// byte stream. Frames must come out whole, within the limit.
import FuzzSupport
import IPC

fuzzMain { input in
    guard let first = input.first else { return }
    let chunkSize = Int(first & 0x7F) * 2 + 1
    let limit = first & 0x80 != 0 ? 64 : IPCProtocol.maxFrameBytes
    var decoder = FrameDecoder(maxFrameBytes: limit)
    let bytes = UnsafeRawBufferPointer(rebasing: input.dropFirst())
    var offset = 0
    var consumed = 0
    while offset < bytes.count {
        let end = min(offset + chunkSize, bytes.count)
        decoder.feed(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
        offset = end
        do {
            while let frame = try decoder.nextFrame() {
                precondition(frame.payload.count + IPCProtocol.headerBytes <= limit, "a frame over the limit")
                consumed += IPCProtocol.lengthFieldBytes + IPCProtocol.headerBytes + frame.payload.count
            }
        } catch {
            return
        }
        precondition(consumed + decoder.bufferedByteCount == offset, "bytes lost or duplicated")
    }
}
