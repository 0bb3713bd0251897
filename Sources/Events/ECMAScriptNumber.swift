/// ECMAScript's `Number::toString(x)` (radix 10), as `JSON.stringify` prints numbers.
///
/// Swift's `Double.description` already yields the shortest digits that round-trip (the
/// `s`, `k`, `n` of ECMA-262 §6.1.6.1.20); only the layout differs (`1e-07` vs `1e-7`,
/// `100.0` vs `100`, `1.2345678901234568e+20` vs `123456789012345680000`), so the
/// digits are lifted out of it and laid out again by ECMAScript's rules.
enum ECMAScriptNumber {
    /// Appends the text `JSON.stringify` writes for `value`: `null` when it is not finite.
    static func append(_ value: Double, to output: inout [UInt8]) {
        guard value.isFinite else {
            output.append(contentsOf: "null".utf8)
            return
        }
        if value == 0 {  // both zeros print as "0"
            output.append(ASCII.zero)
            return
        }
        var magnitude = value
        if value < 0 {
            output.append(ASCII.minus)
            magnitude = -value
        }
        // Integers below 2^53: every integer there is representable, so the shortest
        // round-trip digits are the integer's own digits.
        // (UInt64(_:) truncates; comparing back avoids libm's trunc.)
        if magnitude < 9_007_199_254_740_992, magnitude == Double(UInt64(magnitude)) {
            output.appendDecimal(UInt64(magnitude))
            return
        }
        let (digits, digitCount, pointPosition) = shortestDigits(magnitude)
        layOut(digits: digits, k: digitCount, n: pointPosition, to: &output)
    }

    /// Shortest round-trip digits of a finite positive `value`: the integer `s` with `k`
    /// digits (no trailing zeros) and `n` such that `value ≈ s × 10^(n−k)`.
    static func shortestDigits(_ value: Double) -> (s: UInt64, k: Int, n: Int) {
        var s: UInt64 = 0
        var k = 0
        var leadingZeros = 0
        var integerDigits = 0
        var sawPoint = false
        var exponent = 0
        var exponentSign = 1
        var inExponent = false
        for byte in value.description.utf8 {
            if inExponent {
                if byte == ASCII.minus { exponentSign = -1 } else if ASCII.isDigit(byte) {
                    exponent = exponent * 10 + Int(byte &- ASCII.zero)
                }
                continue
            }
            switch byte {
            case ASCII.dot: sawPoint = true
            case ASCII.lowerE, ASCII.upperE: inExponent = true
            case ASCII.zero...ASCII.nine:
                if !sawPoint { integerDigits += 1 }
                if s == 0 && byte == ASCII.zero {
                    leadingZeros += 1
                } else {
                    s = s &* 10 &+ UInt64(byte &- ASCII.zero)
                    k += 1
                }
            default: break
            }
        }
        while k > 1, s % 10 == 0 {
            s /= 10
            k -= 1
        }
        return (s, k, integerDigits - leadingZeros + exponentSign * exponent)
    }

    /// ECMA-262 Number::toString steps 6–10: lays out the `k` digits of `s` with the
    /// decimal point `n` digits from their start.
    static func layOut(digits s: UInt64, k: Int, n: Int, to output: inout [UInt8]) {
        let start = output.count
        output.appendDecimal(s)  // the k digits; the point and zeros go around them
        if k <= n && n <= 21 {
            output.append(contentsOf: repeatElement(ASCII.zero, count: n - k))
        } else if 0 < n && n <= 21 {
            output.insert(ASCII.dot, at: start + n)
        } else if -6 < n && n <= 0 {
            output.insert(contentsOf: [ASCII.zero, ASCII.dot] + repeatElement(ASCII.zero, count: -n), at: start)
        } else {
            if k > 1 { output.insert(ASCII.dot, at: start + 1) }
            let e = n - 1
            output.append(ASCII.lowerE)
            output.append(e < 0 ? ASCII.minus : ASCII.plus)
            output.appendDecimal(UInt64(e.magnitude))
        }
    }
}
