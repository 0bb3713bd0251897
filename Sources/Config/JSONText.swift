/// Writing JSON text by hand, so that keys come out in the key table's order
/// (`JSONSerialization` only offers sorted or unspecified order).
enum JSONText {
    /// A JSON string literal. Escapes what JSON requires and nothing else, so
    /// non-ASCII text stays readable.
    static func quoted(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
