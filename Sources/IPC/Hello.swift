/// Worker -> supervisor, right after ``StartInfo`` was understood.
public struct Hello: Codable, Equatable, Sendable {
    public var pid: Int32
    public var generation: Int
    public var index: Int

    public init(pid: Int32, generation: Int, index: Int) {
        self.pid = pid
        self.generation = generation
        self.index = index
    }
}
