import ArgumentParser
import Config

/// Prints the effective configuration (secrets redacted) and exits 0, or names every
/// bad key and exits 78.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate the configuration and print the effective settings (secrets redacted).")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let loaded = options.load()
        printWarnings(loaded.warnings)
        print(loaded.config.renderedJSON(redactingSecrets: true))
    }
}
