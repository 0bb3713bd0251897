/// A Redis stream entry id, `<milliseconds>-<sequence>`.
///
/// Ordered the way Redis orders ids: by milliseconds, then by sequence.
public struct StreamID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var milliseconds: UInt64
    public var sequence: UInt64

    public init(milliseconds: UInt64, sequence: UInt64) {
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    /// `0-0`: before every entry a stream can hold.
    public static let zero = StreamID(milliseconds: 0, sequence: 0)
    /// The greatest id a stream can hold.
    public static let max = StreamID(milliseconds: .max, sequence: .max)

    /// Parses an id as Redis writes it (`<ms>-<seq>`, both unsigned 64-bit decimals).
    public init?(redis text: some StringProtocol) {
        self.init(utf8: Array(text.utf8), maxMillisecondDigits: 20, maxSequenceDigits: 20)
    }

    /// Parses an id as Redis writes it, from raw bytes.
    public init?(bytes: some Collection<UInt8>) {
        self.init(utf8: Array(bytes), maxMillisecondDigits: 20, maxSequenceDigits: 20)
    }

    /// Validates a browser's `last_id` exactly as upstream does: `^\d{1,15}-\d{1,10}$`.
    /// Anything else (`abc-xyz`, `1607477697866`, `-0`, trailing junk) is `nil`.
    public init?(clientLastID text: some StringProtocol) {
        self.init(utf8: Array(text.utf8), maxMillisecondDigits: 15, maxSequenceDigits: 10)
    }

    private init?(utf8: [UInt8], maxMillisecondDigits: Int, maxSequenceDigits: Int) {
        guard let dash = utf8.firstIndex(of: UInt8(ascii: "-")) else { return nil }
        guard let ms = Self.decimal(utf8[..<dash], maxDigits: maxMillisecondDigits),
              let seq = Self.decimal(utf8[(dash + 1)...], maxDigits: maxSequenceDigits)
        else { return nil }
        self.init(milliseconds: ms, sequence: seq)
    }

    private static func decimal(_ digits: ArraySlice<UInt8>, maxDigits: Int) -> UInt64? {
        guard !digits.isEmpty, digits.count <= maxDigits else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }

    /// The smallest id greater than this one (for exclusive ranges on Redis < 6.2 semantics).
    public var successor: StreamID {
        if sequence == UInt64.max {
            return StreamID(milliseconds: milliseconds &+ 1, sequence: 0)
        }
        return StreamID(milliseconds: milliseconds, sequence: sequence + 1)
    }

    /// The greatest id smaller than this one; `0-0` stays `0-0`.
    public var predecessor: StreamID {
        if sequence > 0 { return StreamID(milliseconds: milliseconds, sequence: sequence - 1) }
        if milliseconds > 0 { return StreamID(milliseconds: milliseconds - 1, sequence: .max) }
        return self
    }

    public var description: String { "\(milliseconds)-\(sequence)" }

    public static func < (lhs: StreamID, rhs: StreamID) -> Bool {
        lhs.milliseconds != rhs.milliseconds ? lhs.milliseconds < rhs.milliseconds : lhs.sequence < rhs.sequence
    }
}
