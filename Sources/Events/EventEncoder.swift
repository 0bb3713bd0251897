/// Turns a stream entry into the text frame upstream sends for it:
/// `JSON.stringify({id: entryID, ...JSON.parse(firstFieldValue)})`, byte for byte.
public enum EventEncoder {
    /// Room for `{"id":"<20 digits>-<20 digits>",` on top of the value's own size.
    static let idPrefixCapacity = 48

    /// Encodes `entry`, or says why it must be skipped.
    ///
    /// The value is the entry's first field, whatever its name. It must be a JSON object
    /// (as `JSON.parse` reads it, after Node's UTF-8 decoding) whose top-level
    /// `channel_id` (the last one, if repeated) is a string.
    public static func encode(_ entry: StreamEntry) -> Result<EncodedEvent, EventDecodingError> {
        guard !entry.fields.isEmpty else { return .failure(.noFields) }
        return entry.fields[0].value.withUnsafeBufferPointer { value in
            var transformer = JSONTransformer(input: value, extraCapacity: idPrefixCapacity)
            let topLevel: JSONTransformer.TopLevel
            do throws(JSONSyntaxError) {
                topLevel = try transformer.run(spreadingID: entry.id)
            } catch {
                return .failure(.invalidJSON(error.description))
            }
            guard case .object(let channelID) = topLevel else { return .failure(.notAnObject) }
            guard let channelID else { return .failure(.missingChannelID) }
            return .success(EncodedEvent(id: entry.id, channelID: channelID, json: transformer.output))
        }
    }
}
