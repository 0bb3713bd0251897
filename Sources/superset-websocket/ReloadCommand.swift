import ArgumentParser
import Config
import Control
import Foundation
import Glibc
import ServiceStatus

/// The unit's `ExecReload=`: checks the configuration, then sends `SIGHUP` to the
/// supervisor (`$MAINPID` under systemd).
///
/// Through our own binary rather than `/bin/kill` because a minimal Debian root has no
/// `kill` (it comes with procps). Checking first makes `systemctl reload` fail, naming
/// every bad key (exit 78), on a configuration the supervisor would refuse anyway; the
/// running generation keeps serving either way.
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Check the configuration, then tell the running supervisor to reload it (SIGHUP).")

    @OptionGroup var options: ConfigOptions

    @Option(help: "The supervisor's pid (default: $MAINPID, which systemd sets for ExecReload=; else the one the status socket reports).")
    var pid: Int32?

    func run() throws {
        let config = options.load().config
        let target = try pid ?? Self.mainPID(ProcessInfo.processInfo.environment) ?? Self.statusSocketPID(config)
        // kill(0) and kill(-1) would signal whole process groups: never.
        guard target > 1 else { throw fail("refusing to signal pid \(target)") }
        guard kill(target, SIGHUP) == 0 else {
            throw fail("cannot send SIGHUP to pid \(target): \(String(cString: strerror(errno)))")
        }
    }

    static func mainPID(_ environment: [String: String]) -> Int32? {
        environment["MAINPID"].flatMap { Int32($0) }
    }

    static func statusSocketPID(_ config: ServiceConfig) throws -> Int32 {
        let candidates = ControlSocketPath.candidatesForClient(config, environment: ProcessInfo.processInfo.environment)
        do {
            let bytes = try ControlClient.fetch(candidates: candidates)
            return try JSONDecoder().decode(SupervisorSnapshot.self, from: Data(bytes)).supervisorPID
        } catch {
            throw fail("no --pid, no $MAINPID, and the status socket did not answer: \(error)")
        }
    }

    private static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("superset-websocket reload: \(message)\n".utf8))
        return ExitCode(1)
    }

    private func fail(_ message: String) -> ExitCode { Self.fail(message) }
}
