/// A stream entry turned into the exact text frame a browser receives.
public struct EncodedEvent: Sendable, Equatable {
    /// The stream entry's id (also the `id` in `json`, unless the producer sent its own `id`).
    public let id: StreamID
    /// The event's top-level `channel_id`: which sockets it is for.
    public let channelID: String
    /// UTF-8 bytes identical to upstream's `JSON.stringify({id, ...JSON.parse(value)})`.
    public let json: [UInt8]

    public init(id: StreamID, channelID: String, json: [UInt8]) {
        self.id = id
        self.channelID = channelID
        self.json = json
    }
}
