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

func printWarnings(_ warnings: [String]) {
    for warning in warnings {
        FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
    }
}
