/// StatsD line syntax with DogStatsD tags: `<prefix><name>:<value>|<type>[|@rate][|#tags]`.
public struct StatsDFormat: Sendable, Equatable {
    public var prefix: String
    public var tags: [String]

    public init(prefix: String = "", tags: [String] = []) {
        self.prefix = prefix
        self.tags = tags
    }

    public func counter(_ name: String, _ value: Int64) -> String {
        line(name, "\(value)", type: "c")
    }

    public func gauge(_ name: String, _ value: Int64) -> String {
        line(name, "\(value)", type: "g")
    }

    public func timer(_ name: String, milliseconds: Double, sampleRate: Double) -> String {
        line(name, Self.decimal(milliseconds), type: "ms", rate: sampleRate < 1 ? sampleRate : nil)
    }

    private func line(_ name: String, _ value: String, type: String, rate: Double? = nil) -> String {
        var text = "\(prefix)\(name):\(value)|\(type)"
        if let rate { text += "|@\(Self.decimal(rate))" }
        if !tags.isEmpty { text += "|#" + tags.joined(separator: ",") }
        return text
    }

    /// At most 3 decimals, no exponent, no trailing zeros.
    static func decimal(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        if rounded == rounded.rounded() { return String(Int64(rounded)) }
        var text = String(format: "%.3f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}

/// Packs lines into datagrams no larger than `maxBytes` (newline-separated), so that no
/// datagram is fragmented on any ordinary network path.
public enum StatsDPacketizer {
    public static let safeDatagramBytes = 1_400

    public static func datagrams(_ lines: [String], maxBytes: Int = safeDatagramBytes) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var current: [UInt8] = []
        for line in lines {
            let bytes = Array(line.utf8)
            if !current.isEmpty, current.count + 1 + bytes.count > maxBytes {
                result.append(current)
                current = []
            }
            if !current.isEmpty { current.append(UInt8(ascii: "\n")) }
            current += bytes
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}
