import RedisStreams

extension RedisConnection {
    /// How many times the server ran `command` (lower case), from `INFO commandstats`:
    /// what tests count a component's Redis cost with.
    public func calls(of command: String) throws -> Int {
        let info = try self.command(["INFO", "commandstats"]).string ?? ""
        guard let line = info.split(separator: "\r\n").first(where: { $0.hasPrefix("cmdstat_\(command):") }),
              let field = line.split(separator: ",").first?.split(separator: "=").last
        else { return 0 }
        return Int(field) ?? 0
    }
}
