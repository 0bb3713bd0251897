import Dispatch
import Foundation
import NIOConcurrencyHelpers

/// What the driver must stop if it is itself stopped (SIGTERM from `timeout`, Ctrl-C):
/// its children would otherwise outlive it. Client and ceiling processes also exit when
/// their stdin ends; the service and redis-server do not read stdin.
enum Cleanup {
    private static let actions = NIOLockedValueBox<[@Sendable () -> Void]>([])
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    static func add(_ action: @escaping @Sendable () -> Void) {
        actions.withLockedValue { $0.append(action) }
    }

    static func runAll() {
        let pending = actions.withLockedValue { list -> [@Sendable () -> Void] in
            defer { list.removeAll() }
            return list
        }
        for action in pending.reversed() { action() }
    }

    /// Installs SIGTERM/SIGINT handlers that run every action, then exit with 128+signal.
    static func installSignalHandlers() {
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                log("stopped by signal \(number): stopping the service and redis-server")
                runAll()
                exit(128 + number)
            }
            source.resume()
            sources.append(source)
        }
    }
}
