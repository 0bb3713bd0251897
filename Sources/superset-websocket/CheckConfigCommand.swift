import ArgumentParser
import Config
import Foundation
import Gateway
import RedisStreams

/// Prints the effective configuration (secrets redacted) and exits 0, or names every
/// bad key and exits 78. With `redis.ssl`, also loads the CA, certificate and key files
/// as a worker would, so that a wrong path is found before the service starts.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate the configuration and print the effective settings (secrets redacted).")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let loaded = options.load()
        printWarnings(loaded.warnings)
        if let tls = RedisEndpoint(config: loaded.config.redis).tls {
            do {
                try tls.check()
            } catch {
                FileHandle.standardError.write(Data("superset-websocket: invalid configuration: \(error)\n".utf8))
                throw ExitCode(ConfigError.exitCode)
            }
        }
        print(loaded.config.renderedJSON(redactingSecrets: true))
    }
}
