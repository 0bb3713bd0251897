// The configuration file: `ConfigLoader.load(fileContents:)` (JSON parsing, the deep
// merge over the defaults, type conversion, validation rules) on any bytes. A loaded
// configuration is also rendered, with and without secrets.
import Config
import Foundation
import FuzzSupport

fuzzMain { input in
    let data = Data(input)
    if let loaded = try? ConfigLoader.load(fileContents: data, fileName: "fuzz.json", environment: [:]) {
        _ = loaded.config.renderedJSON(redactingSecrets: true)
        _ = loaded.config.renderedJSON(redactingSecrets: false)
    }
}
