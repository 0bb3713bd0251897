// The Cookie header: `CookieHeader.value(named:in:)` over any header values, as NIO
// hands them over (one string per Cookie header line). Input: the header values,
// separated by 0x00 bytes; the cookie name looked up is `async-token`, and then the
// first value's text before any `=` (so the fuzzer also picks odd names).
import FuzzSupport
import Gateway

fuzzMain { input in
    let values = split(input, separator: 0x00).map { String(decoding: $0, as: UTF8.self) }
    _ = CookieHeader.value(named: "async-token", in: values)
    if let first = values.first, let name = first.split(separator: "=", maxSplits: 1).first {
        if let value = CookieHeader.value(named: String(name), in: values) {
            let headerBytes = values.reduce(0) { $0 + $1.utf8.count }
            precondition(value.utf8.count <= headerBytes, "a cookie value longer than its headers")
        }
    }
}
