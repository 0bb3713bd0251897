/// JavaScript's property order, for the rare object that needs it.
///
/// `JSON.parse` defines properties one by one, so a repeated key keeps its first position
/// and takes its last value; and every object enumerates array-index keys (`"0"` …
/// `"4294967294"`, canonical form) first, ascending, then the other keys in insertion
/// order. The spread `{id, ...parsed}` is the same rule once `"id"` is the first member.
///
/// Objects are written as they are parsed; when one closes with a duplicate or an
/// array-index key, its bytes are rewritten in that order. Keys are compared as written
/// out (stringify's escaping is one-to-one, so equal bytes mean equal strings).
///
/// Cost: a rewrite copies the object's bytes once, so only a value that nests many
/// objects needing it around a large payload pays more than linear time (bytes × such
/// levels, at most `maximumDepth`). Superset's serializer never writes such objects.
extension JSONTransformer {
    /// Above this many members, duplicates are found by sorting rather than by pairs.
    static let pairwiseDuplicateCheckLimit = 16

    /// Whether `bytes[range]` is a canonical array index: `0`, or no leading zero and at
    /// most 4294967294.
    static func isArrayIndex(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        arrayIndex(bytes, range) != nil
    }

    static func arrayIndex(_ bytes: [UInt8], _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty, range.count <= 10, ASCII.isDigit(bytes[range.lowerBound]) else { return nil }
        if bytes[range.lowerBound] == ASCII.zero { return range.count == 1 ? 0 : nil }
        var value: UInt64 = 0
        for index in range {
            guard ASCII.isDigit(bytes[index]) else { return nil }
            value = value * 10 + UInt64(bytes[index] &- ASCII.zero)
        }
        return value <= 4_294_967_294 ? value : nil
    }

    /// Whether `output[range]` is the key `"channel_id"` (quotes included).
    func isChannelIDKey(_ range: Range<Int>) -> Bool {
        let key: StaticString = #""channel_id""#
        guard range.count == key.utf8CodeUnitCount else { return false }
        return output.withUnsafeBufferPointer { bytes in
            Self.equal(UnsafeBufferPointer(rebasing: bytes[range]), UnsafeBufferPointer(start: key.utf8Start, count: range.count))
        }
    }

    /// Length and three bytes of the key `output[range]` (quotes included).
    func fingerprint(_ range: Range<Int>) -> UInt64 {
        UInt64(range.count)
            | UInt64(output[range.lowerBound + 1]) << 32
            | UInt64(output[range.upperBound - 2]) << 40
            | UInt64(output[(range.lowerBound + range.upperBound) / 2]) << 48
    }

    @inline(__always)
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for index in 0..<a.count where a[index] != b[index] { return false }
        return true
    }

    /// Whether two members of `frame` have the same key.
    func hasDuplicateKeys(_ frame: Frame) -> Bool {
        let count = frame.memberCount
        guard count > 1 else { return false }
        return output.withUnsafeBufferPointer { bytes in
            if count <= Self.pairwiseDuplicateCheckLimit {
                for i in (frame.memberBase + 1)..<(frame.memberBase + count) {
                    let fingerprint = members[i].fingerprint
                    for j in frame.memberBase..<i where members[j].fingerprint == fingerprint {
                        if Self.equal(key(i, in: bytes), key(j, in: bytes)) { return true }
                    }
                }
                return false
            }
            let sorted = sortedByKey(frame, in: bytes)
            for i in 1..<count where Self.equal(key(sorted[i - 1], in: bytes), key(sorted[i], in: bytes)) {
                return true
            }
            return false
        }
    }

    /// Rewrites the object of `frame` (from its `{` to the end of `output`, `}` not yet
    /// written) with duplicates merged and array-index keys first.
    mutating func reorder(_ frame: Frame) {
        var rewritten: [UInt8] = []
        rewritten.reserveCapacity(output.count - frame.start)
        output.withUnsafeBufferPointer { bytes in
            // Group equal keys: sorted by key, then by position.
            let sorted = sortedByKey(frame, in: bytes)
            var properties: [(first: Int, last: Int, index: UInt64?)] = []
            var groupStart = 0
            while groupStart < sorted.count {
                var groupEnd = groupStart + 1
                while groupEnd < sorted.count,
                      Self.equal(key(sorted[groupEnd], in: bytes), key(sorted[groupStart], in: bytes)) {
                    groupEnd += 1
                }
                let first = sorted[groupStart]
                let member = members[first]
                properties.append((first, sorted[groupEnd - 1], Self.arrayIndex(output, member.keyStart + 1..<member.keyEnd - 1)))
                groupStart = groupEnd
            }
            properties.sort { a, b in
                switch (a.index, b.index) {
                case let (x?, y?): x < y
                case (.some, nil): true
                case (nil, .some): false
                case (nil, nil): a.first < b.first
                }
            }
            rewritten.append(ASCII.openBrace)
            for (offset, property) in properties.enumerated() {
                if offset > 0 { rewritten.append(ASCII.comma) }
                let keyMember = members[property.first]
                let valueMember = members[property.last]
                rewritten.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[keyMember.keyStart..<keyMember.keyEnd]))
                rewritten.append(ASCII.colon)
                rewritten.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[(valueMember.keyEnd + 1)..<valueMember.valueEnd]))
            }
        }
        output.replaceSubrange(frame.start..., with: rewritten)
    }

    /// Indices into `members` of the frame's members, sorted by key bytes then position.
    private func sortedByKey(_ frame: Frame, in bytes: UnsafeBufferPointer<UInt8>) -> [Int] {
        Array(frame.memberBase..<(frame.memberBase + frame.memberCount)).sorted { a, b in
            let keyA = key(a, in: bytes)
            let keyB = key(b, in: bytes)
            if Self.equal(keyA, keyB) { return a < b }
            return keyA.lexicographicallyPrecedes(keyB)
        }
    }

    @inline(__always)
    private func key(_ member: Int, in bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[members[member].keyStart..<members[member].keyEnd])
    }

    /// The string value of `member` (as a Swift string), or nil when it is not a string.
    func channelIDValue(of member: Member) -> String? {
        let valueStart = member.keyEnd + 1
        guard output[valueStart] == ASCII.quote else { return nil }
        return JSONStringValue.decode(output[(valueStart + 1)..<(member.valueEnd - 1)])
    }
}
