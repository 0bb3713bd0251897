/// Encodes commands the way every Redis client sends them: an array of bulk strings.
///
/// Binary safe: arguments are length-prefixed, so `\r\n` or any byte may appear in them.
public enum RESPCommandEncoder {
    /// Appends `*<n>\r\n` then `$<len>\r\n<arg>\r\n` for each argument.
    public static func encode(_ arguments: [[UInt8]], into buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "*"))
        appendDecimal(arguments.count, to: &buffer)
        appendCRLF(to: &buffer)
        for argument in arguments {
            buffer.append(UInt8(ascii: "$"))
            appendDecimal(argument.count, to: &buffer)
            appendCRLF(to: &buffer)
            buffer.append(contentsOf: argument)
            appendCRLF(to: &buffer)
        }
    }

    public static func encode(_ arguments: [[UInt8]]) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 + arguments.reduce(0) { $0 + $1.count + 16 })
        encode(arguments, into: &buffer)
        return buffer
    }

    private static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: String(value).utf8)
    }

    private static func appendCRLF(to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\r"))
        buffer.append(UInt8(ascii: "\n"))
    }
}
