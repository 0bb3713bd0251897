import Foundation

/// A request URI's query string: first occurrence of each name, `URLSearchParams` decoding
/// (`+` is a space, `%XX` escapes are decoded). The one reader of `last_id` (streams) and of
/// `tab_id`, `resume` and `last_message_id` (realtime).
struct QueryParameters {
    private var values: [String: String] = [:]

    init(uri: String) {
        guard let query = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            if values[name] == nil { values[name] = parts.count > 1 ? Self.decode(parts[1]) : "" }
        }
    }

    subscript(name: String) -> String? { values[name] }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
