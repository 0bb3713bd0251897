import ArgumentParser
import Config
import Foundation

/// `--config FILE`, shared by every subcommand. Without it the service reads
/// `/etc/superset-websocket/config.json` when present, else defaults + environment.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Path of the JSON configuration file (default: \(ConfigLoader.defaultPath) when present).")
    var config: String?

    var resolvedPath: String? {
        if let config { return config }
        return FileManager.default.fileExists(atPath: ConfigLoader.defaultPath) ? ConfigLoader.defaultPath : nil
    }

    /// Loads and validates; on error prints every issue and exits 78 (EX_CONFIG).
    func load() -> LoadedConfig {
        do {
            return try ConfigLoader.load(path: resolvedPath, environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("superset-websocket: invalid configuration\(resolvedPath.map { " in \($0)" } ?? ""):\n\(error.description)\n".utf8))
            Foundation.exit(ConfigError.exitCode)
        }
    }
}

extension ConfigOptions {
    /// The configuration as far as `status` needs it (`port`, `controlSocket`): the
    /// validation rules do not apply, and a file this user may not read (the package
    /// installs it 0640, since it holds the secret) falls back to defaults plus
    /// environment, with a warning, so the systemd runtime path is still tried.
    func loadForLookup() -> ServiceConfig {
        let environment = ProcessInfo.processInfo.environment
        do {
            return try ConfigLoader.loadUnvalidated(path: resolvedPath, environment: environment)
        } catch {
            printWarnings(["\(error.description); looking for the service with defaults and environment"])
            return (try? ConfigLoader.loadUnvalidated(path: nil, environment: environment)) ?? ServiceConfig()
        }
    }
}

func printWarnings(_ warnings: [String]) {
    for warning in warnings {
        FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
    }
}
