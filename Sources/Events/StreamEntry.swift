/// One field of a stream entry, as raw bytes (Redis values are binary-safe).
public struct StreamField: Sendable, Hashable {
    public var name: [UInt8]
    public var value: [UInt8]

    public init(name: [UInt8], value: [UInt8]) {
        self.name = name
        self.value = value
    }

    public init(name: String, value: String) {
        self.init(name: Array(name.utf8), value: Array(value.utf8))
    }
}

/// One entry of a Redis stream: its id and its field/value pairs in the producer's order.
public struct StreamEntry: Sendable, Equatable {
    public var id: StreamID
    public var fields: [StreamField]

    public init(id: StreamID, fields: [StreamField]) {
        self.id = id
        self.fields = fields
    }

    /// The value of the entry's first field, whatever its name: upstream reads the event
    /// from there (Superset names it `data`).
    public var firstValue: [UInt8]? { fields.first?.value }
}
