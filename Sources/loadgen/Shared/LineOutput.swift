import Foundation
import NIOConcurrencyHelpers

/// One JSON object per line on stdout: how the suite's child processes talk to the
/// driver. Locked, so lines from different threads never interleave.
enum LineOutput {
    private static let lock = NIOLock()

    static func emit(_ value: some Encodable) {
        let encoder = JSONEncoder()
        guard var data = try? encoder.encode(value) else { return }
        data.append(0x0A)
        lock.withLock { FileHandle.standardOutput.write(data) }
    }
}

/// `{"event": "<name>"}` plus whatever the event says.
struct EventLine<Body: Encodable>: Encodable {
    let event: String
    let body: Body

    private enum CodingKeys: String, CodingKey { case event, body }
}
