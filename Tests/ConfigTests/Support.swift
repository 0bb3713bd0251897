import Foundation
@testable import Config

/// A secret long enough to pass validation (32 bytes).
let validSecret = String(repeating: "s", count: 32)

/// Loads `json` (no file when `nil`) with `environment`, which by default only
/// supplies a valid secret (the default secret, "", is refused).
func load(
    _ json: String?, fileName: String? = "config.json",
    environment: [String: String] = ["JWT_SECRET": validSecret]
) throws(ConfigError) -> LoadedConfig {
    try ConfigLoader.load(fileContents: json.map { Data($0.utf8) }, fileName: fileName, environment: environment)
}

/// The issues of a load that must fail; empty (so that expectations fail) if it succeeded.
func issues(
    _ json: String?, fileName: String? = "config.json",
    environment: [String: String] = ["JWT_SECRET": validSecret]
) -> [ConfigIssue] {
    do {
        _ = try load(json, fileName: fileName, environment: environment)
        return []
    } catch {
        return error.issues
    }
}
