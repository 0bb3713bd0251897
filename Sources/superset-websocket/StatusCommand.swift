import ArgumentParser
import Config
import Control
import Foundation
import ServiceStatus

/// Asks the running supervisor what it is doing, over its status socket.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the running service's workers, connections, Redis state and firehose position.")

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Print the raw JSON snapshot.")
    var json = false

    func run() throws {
        let config = options.loadForLookup()
        let candidates = ControlSocketPath.candidatesForClient(config, environment: ProcessInfo.processInfo.environment)
        let bytes: [UInt8]
        do {
            bytes = try ControlClient.fetch(candidates: candidates)
        } catch {
            FileHandle.standardError.write(Data("superset-websocket status: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if json {
            print(String(decoding: bytes, as: UTF8.self))
            return
        }
        do {
            let snapshot = try JSONDecoder().decode(SupervisorSnapshot.self, from: Data(bytes))
            print(StatusTable.render(snapshot))
        } catch {
            FileHandle.standardError.write(Data("superset-websocket status: \(ControlClient.Failure.unreadable("\(error)"))\n".utf8))
            throw ExitCode(1)
        }
    }
}
