import Events

/// Builders for the stream commands, as argument arrays for `command` or `pipeline`.
public enum StreamCommand {
    /// `XADD key [MAXLEN ~ n] <id or *> field value …`
    public static func xadd(
        stream: String, id: StreamID? = nil, fields: [StreamField], maxlenApprox: Int? = nil
    ) -> [[UInt8]] {
        var arguments: [[UInt8]] = [bytes("XADD"), bytes(stream)]
        if let maxlenApprox {
            arguments += [bytes("MAXLEN"), bytes("~"), bytes(String(maxlenApprox))]
        }
        arguments.append(id.map { bytes($0.description) } ?? bytes("*"))
        for field in fields {
            arguments.append(field.name)
            arguments.append(field.value)
        }
        return arguments
    }

    /// `XREAD [COUNT n] [BLOCK ms] STREAMS key id`
    public static func xread(stream: String, after: StreamID, count: Int?, blockMs: Int?) -> [[UInt8]] {
        var arguments: [[UInt8]] = [bytes("XREAD")]
        if let count { arguments += [bytes("COUNT"), bytes(String(count))] }
        if let blockMs { arguments += [bytes("BLOCK"), bytes(String(blockMs))] }
        arguments += [bytes("STREAMS"), bytes(stream), bytes(after.description)]
        return arguments
    }

    /// `XRANGE key from <to or +> [COUNT n]`
    public static func xrange(stream: String, from: StreamID, to: StreamID?, count: Int?) -> [[UInt8]] {
        var arguments: [[UInt8]] = [
            bytes("XRANGE"), bytes(stream), bytes(from.description), bytes(to?.description ?? "+"),
        ]
        if let count { arguments += [bytes("COUNT"), bytes(String(count))] }
        return arguments
    }

    /// `XREVRANGE key + - [COUNT n]`
    public static func xrevrange(stream: String, count: Int?) -> [[UInt8]] {
        var arguments: [[UInt8]] = [bytes("XREVRANGE"), bytes(stream), bytes("+"), bytes("-")]
        if let count { arguments += [bytes("COUNT"), bytes(String(count))] }
        return arguments
    }

    /// `XINFO STREAM key`
    public static func xinfoStream(_ stream: String) -> [[UInt8]] {
        [bytes("XINFO"), bytes("STREAM"), bytes(stream)]
    }

    private static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
}
