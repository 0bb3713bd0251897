/// The path of a request target as upstream sees it: Node's `new URL(request.url,
/// base).pathname` (WHATWG URL parsing), so that `/health?probe=1` is `/health`.
///
/// Load balancers add query strings to health probes; upstream answers them, so must we.
/// Only what a request target can carry is handled: the query and fragment are cut,
/// an absolute-form target (`http://host/health`) keeps its path, `\` counts as `/`
/// (as for every http URL), and dot segments (`.`, `..`, `%2e`) are resolved.
/// Percent-escapes are not decoded: `/%68ealth` is not `/health`, for upstream either.
enum RequestPath {
    static func pathname(of target: String) -> String {
        var text = Substring(target)
        if let cut = text.firstIndex(where: { $0 == "#" || $0 == "?" }) { text = text[..<cut] }
        let slashed = text.replacingOccurrences(of: "\\", with: "/")
        var path = Substring(slashed)
        if let scheme = path.range(of: "://"), path[..<scheme.lowerBound].allSatisfy(isSchemeCharacter), !path[..<scheme.lowerBound].isEmpty {
            let afterAuthority = path[scheme.upperBound...]
            path = afterAuthority.firstIndex(of: "/").map { afterAuthority[$0...] } ?? "/"
        }
        return removingDotSegments(path)
    }

    private static func isSchemeCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "+-.".contains(character))
    }

    /// RFC 3986 §5.2.4 as WHATWG applies it: a trailing `.` or `..` leaves a trailing
    /// slash; `..` at the root stays at the root.
    private static func removingDotSegments(_ path: Substring) -> String {
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst(path.hasPrefix("/") ? 1 : 0)
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            switch segment.lowercased() {
            case ".", "%2e":
                if isLast { output.append("") }
            case "..", ".%2e", "%2e.", "%2e%2e":
                if !output.isEmpty { output.removeLast() }
                if isLast { output.append("") }
            default:
                output.append(segment)
            }
        }
        return "/" + output.joined(separator: "/")
    }
}
