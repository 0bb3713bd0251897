/// Rewrites JSON text into what `JSON.stringify(JSON.parse(text))` prints, in one pass.
///
/// Accepts exactly what ECMAScript's `JSON.parse` accepts (after Node's UTF-8 decoding of
/// the bytes) and writes straight into `output` while it parses: whitespace dropped,
/// strings re-escaped, numbers re-printed. Objects are written as they come; only an
/// object with a duplicate key or an integer-like key is rewritten when it closes, into
/// JavaScript's property order (see `JSONTransformer+ObjectOrder.swift`).
///
/// Iterative (explicit stack), so hostile nesting cannot overflow the thread's stack; it
/// is capped at `maximumDepth` anyway.
struct JSONTransformer {
    /// Deepest nesting of arrays and objects accepted (the top-level value counts as 1).
    static let maximumDepth = 1000

    /// How many bytes all rewrites of one value may copy together: 8 times the input,
    /// plus 16 MiB (a few milliseconds of copying: deep but small values pass). Each rewrite copies its object once, so objects needing it nested
    /// around a large payload would cost bytes × levels (a held-out run: 16 entries of
    /// 4 MB nested 998 deep held the reader for 8-11 s and cost both workers their
    /// heartbeat). Past the budget the value is refused, so the cost stays linear.
    static func rewriteBudget(forInputOf count: Int) -> Int { 8 * count + (16 << 20) }

    /// One member of an open object, as bytes of `output`: the key (quotes included) is
    /// `keyStart..<keyEnd`, then `:`, then the value up to `valueEnd`.
    struct Member {
        var keyStart: Int
        var keyEnd: Int
        var valueEnd: Int
        /// Cheap summary of the key's bytes: different fingerprints, different keys.
        var fingerprint: UInt64
    }

    /// An open array or object.
    struct Frame {
        var isObject: Bool
        /// Offset in `output` of its `{` or `[`.
        var start: Int
        /// Its members are `members[memberBase...]` (objects only).
        var memberBase: Int
        var memberCount: Int
        /// Set when a key is integer-like, so the object must be reordered on close.
        var needsReordering: Bool
    }

    /// What the whole text turned out to be.
    enum TopLevel: Equatable {
        /// An object; `channelID` is its last top-level `channel_id` if that is a string.
        case object(channelID: String?)
        case other
    }

    let input: UnsafeBufferPointer<UInt8>
    var position = 0
    var output: [UInt8]
    var frames: [Frame] = []
    var members: [Member] = []
    /// Index in `members` of the latest `channel_id` key of the top-level object.
    var channelMember: Int?
    /// Set when the top-level object closes.
    var isTopLevelObject = false
    var topLevelChannelID: String?
    /// Bytes the rewrites may still copy (`rewriteBudget`).
    var rewriteBytesLeft: Int

    init(input: UnsafeBufferPointer<UInt8>, extraCapacity: Int = 0) {
        self.input = input
        rewriteBytesLeft = Self.rewriteBudget(forInputOf: input.count)
        output = []
        output.reserveCapacity(input.count + extraCapacity)
        frames.reserveCapacity(8)
        members.reserveCapacity(32)
    }

    /// Transforms the whole input. With `id`, a top-level object becomes
    /// `{id, ...object}`: its output starts with an `"id"` member that the object's own
    /// `id`, if any, overrides in place (exactly what the spread does).
    mutating func run(spreadingID id: StreamID? = nil) throws(JSONSyntaxError) -> TopLevel {
        skipWhitespace()
        var needValue = true
        if let id, position < input.count, input[position] == ASCII.openBrace {
            position += 1
            beginSpreadObject(id: id)
            needValue = try beginObjectBody()
        }
        while true {
            if needValue {
                needValue = try beginValue()
                if needValue { continue }
            }
            // A value just ended: continue or close the container it is in.
            skipWhitespace()
            guard let top = frames.indices.last else { break }
            guard position < input.count else { throw fail(.unexpectedEnd) }
            let byte = input[position]
            position += 1
            if frames[top].isObject {
                members[members.count - 1].valueEnd = output.count
                if byte == ASCII.comma {
                    skipWhitespace()
                    try beginMember()
                    needValue = true
                } else if byte == ASCII.closeBrace {
                    try closeObject()
                } else {
                    throw fail(.unexpectedByte(byte), at: position - 1)
                }
            } else {
                if byte == ASCII.comma {
                    output.append(ASCII.comma)
                    skipWhitespace()
                    needValue = true
                } else if byte == ASCII.closeBracket {
                    output.append(ASCII.closeBracket)
                    frames.removeLast()
                } else {
                    throw fail(.unexpectedByte(byte), at: position - 1)
                }
            }
        }
        guard position == input.count else { throw fail(.unexpectedByte(input[position])) }
        return isTopLevelObject ? .object(channelID: topLevelChannelID) : .other
    }

    /// Starts the value at `position`. Returns true when it opened a container whose first
    /// value (or member value) must be parsed next, false when the value is complete.
    private mutating func beginValue() throws(JSONSyntaxError) -> Bool {
        guard position < input.count else { throw fail(.unexpectedEnd) }
        switch input[position] {
        case ASCII.openBrace:
            position += 1
            try push(isObject: true)
            output.append(ASCII.openBrace)
            return try beginObjectBody()
        case ASCII.openBracket:
            position += 1
            try push(isObject: false)
            output.append(ASCII.openBracket)
            skipWhitespace()
            if position < input.count, input[position] == ASCII.closeBracket {
                position += 1
                output.append(ASCII.closeBracket)
                frames.removeLast()
                return false
            }
            return true
        case ASCII.quote:
            try copyString()
        case UInt8(ascii: "t"):
            try copyLiteral("true")
        case UInt8(ascii: "f"):
            try copyLiteral("false")
        case UInt8(ascii: "n"):
            try copyLiteral("null")
        case ASCII.minus, ASCII.zero...ASCII.nine:
            try copyNumber()
        case let byte:
            throw fail(.unexpectedByte(byte))
        }
        return false
    }

    /// After an object's `{`: either `}` (returns false) or its first member up to the
    /// value (returns true).
    private mutating func beginObjectBody() throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        if position < input.count, input[position] == ASCII.closeBrace {
            position += 1
            try closeObject()
            return false
        }
        try beginMember()
        return true
    }

    /// Opens the top-level object with its `"id":"<ms>-<seq>"` member already written.
    private mutating func beginSpreadObject(id: StreamID) {
        frames.append(Frame(isObject: true, start: 0, memberBase: 0, memberCount: 1, needsReordering: false))
        output.append(contentsOf: #"{"id":""#.utf8)
        output.appendDecimal(id.milliseconds)
        output.append(ASCII.minus)
        output.appendDecimal(id.sequence)
        output.append(ASCII.quote)
        members.append(Member(keyStart: 1, keyEnd: 5, valueEnd: output.count, fingerprint: fingerprint(1..<5)))
    }

    private mutating func push(isObject: Bool) throws(JSONSyntaxError) {
        guard frames.count < Self.maximumDepth else { throw fail(.tooDeep, at: position - 1) }
        frames.append(Frame(
            isObject: isObject, start: output.count, memberBase: members.count, memberCount: 0,
            needsReordering: false))
    }

    /// Parses `"key"` and `:` of an object member, writing `,"key":`.
    private mutating func beginMember() throws(JSONSyntaxError) {
        guard position < input.count else { throw fail(.unexpectedEnd) }
        guard input[position] == ASCII.quote else { throw fail(.unexpectedByte(input[position])) }
        let top = frames.count - 1
        if frames[top].memberCount > 0 { output.append(ASCII.comma) }
        let keyStart = output.count
        try copyString()
        let keyEnd = output.count
        if Self.isArrayIndex(output, keyStart + 1..<keyEnd - 1) {
            frames[top].needsReordering = true
        } else if top == 0, isChannelIDKey(keyStart..<keyEnd) {
            channelMember = members.count
        }
        members.append(Member(
            keyStart: keyStart, keyEnd: keyEnd, valueEnd: keyEnd, fingerprint: fingerprint(keyStart..<keyEnd)))
        frames[top].memberCount += 1
        skipWhitespace()
        guard position < input.count else { throw fail(.unexpectedEnd) }
        guard input[position] == ASCII.colon else { throw fail(.unexpectedByte(input[position])) }
        position += 1
        output.append(ASCII.colon)
        skipWhitespace()
    }

    /// Writes `}` for the innermost object (its last member's `valueEnd` is already set),
    /// reordering it first if JavaScript would enumerate it differently.
    private mutating func closeObject() throws(JSONSyntaxError) {
        let frame = frames.removeLast()
        if frames.isEmpty {
            isTopLevelObject = true
            if let channelMember { topLevelChannelID = channelIDValue(of: members[channelMember]) }
        }
        if frame.needsReordering || hasDuplicateKeys(frame) {
            rewriteBytesLeft -= output.count - frame.start
            guard rewriteBytesLeft >= 0 else { throw fail(.tooCostlyToReorder) }
            reorder(frame)
        }
        output.append(ASCII.closeBrace)
        members.removeSubrange(frame.memberBase...)
    }

    private mutating func copyLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        let text = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for offset in 0..<count {
            guard position + offset < input.count else { throw fail(.unexpectedEnd) }
            guard input[position + offset] == text[offset] else {
                throw fail(.unexpectedByte(input[position + offset]), at: position + offset)
            }
        }
        output.append(contentsOf: text)
        position += count
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < input.count, ASCII.isWhitespace(input[position]) { position += 1 }
    }

    func fail(_ reason: JSONSyntaxError.Reason, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(reason: reason, offset: offset ?? position)
    }
}
