/// Numbers: JSON's grammar in, ECMAScript's `Number::toString` out.
extension JSONTransformer {
    /// Integers of at most 15 digits are exact doubles printed as written; copying them
    /// skips the parse-and-print round trip for the common case (ids, counts, codes).
    static let verbatimIntegerDigits = 15

    /// Copies the number at `position` (on `-` or a digit).
    mutating func copyNumber() throws(JSONSyntaxError) {
        let start = position
        var index = position
        let end = input.count
        let negative = input[index] == ASCII.minus
        if negative { index += 1 }
        guard index < end else { throw fail(.unexpectedEnd, at: end) }
        if input[index] == ASCII.zero {
            index += 1  // a leading zero stands alone: "01" fails on the "1" after it
        } else if ASCII.isDigit(input[index]) {
            while index < end, ASCII.isDigit(input[index]) { index += 1 }
        } else {
            throw fail(.unexpectedByte(input[index]), at: index)
        }
        let integerEnd = index
        var isInteger = true
        if index < end, input[index] == ASCII.dot {
            isInteger = false
            index = try digits(after: index + 1)
        }
        if index < end, input[index] == ASCII.lowerE || input[index] == ASCII.upperE {
            isInteger = false
            index += 1
            if index < end, input[index] == ASCII.plus || input[index] == ASCII.minus { index += 1 }
            index = try digits(after: index)
        }
        position = index
        let digitCount = integerEnd - start - (negative ? 1 : 0)
        if isInteger, digitCount <= Self.verbatimIntegerDigits {
            if negative, digitCount == 1, input[start + 1] == ASCII.zero {
                output.append(ASCII.zero)  // -0 prints as 0
            } else {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: input[start..<index]))
            }
            return
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<index]), as: UTF8.self)
        // The grammar is checked, and Swift parses every JSON number (overflow gives ±inf,
        // underflow ±0, correctly rounded otherwise, like ECMAScript's StringToNumber).
        ECMAScriptNumber.append(Double(text) ?? .nan, to: &output)
    }

    /// One or more digits starting at `index`; returns the index after them.
    private func digits(after index: Int) throws(JSONSyntaxError) -> Int {
        guard index < input.count else { throw fail(.unexpectedEnd, at: index) }
        guard ASCII.isDigit(input[index]) else { throw fail(.unexpectedByte(input[index]), at: index) }
        var next = index + 1
        while next < input.count, ASCII.isDigit(input[next]) { next += 1 }
        return next
    }
}
