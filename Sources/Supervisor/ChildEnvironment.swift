import Foundation
import IPC

/// The environment a worker gets: the supervisor's, minus what belongs to the service's
/// main process only (systemd's notify socket, watchdog and activated sockets, see
/// ``IPCProtocol/systemdEnvironmentKeys``), plus the supervisor's pid for the worker's
/// parent-death check.
enum ChildEnvironment {
    static func make(supervisorPID: pid_t) -> [String] {
        var environment = ProcessInfo.processInfo.environment
        for key in IPCProtocol.systemdEnvironmentKeys { environment[key] = nil }
        environment[IPCProtocol.supervisorPIDEnvironmentKey] = String(supervisorPID)
        return environment.map { "\($0.key)=\($0.value)" }.sorted()
    }
}
