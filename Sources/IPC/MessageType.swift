/// The message type byte. Worker -> supervisor types are below 0x80,
/// supervisor -> worker types at or above, so a frame sent the wrong way is caught.
public enum MessageType: UInt8, Sendable, CaseIterable {
    // worker -> supervisor
    case hello = 0x01
    case ready = 0x02
    case bootFailed = 0x03
    case heartbeat = 0x04
    case draining = 0x05
    // supervisor -> worker
    case start = 0x81
    case drain = 0x82
    case stop = 0x83
}
