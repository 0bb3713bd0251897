// The event JSON transformer: a firehose entry to the browser's message
// (`EventEncoder.encode`: JSON.parse after Node's UTF-8 decoding, `channel_id`, the id
// spread first, JSON.stringify). Input: the first field's value (usually a JSON
// object); with 0x00 bytes in it, name/value pairs of several fields instead. An
// admitted entry's message must be an object in valid UTF-8. (Its first key is not
// always `id`: JavaScript puts integer-like keys first.)
import Events
import FuzzSupport

let entryID = StreamID(milliseconds: 1_700_000_000_000, sequence: 7)

fuzzMain { input in
    let pieces = split(input, separator: 0x00)
    var fields: [StreamField] = []
    if pieces.count == 1 {
        fields = [StreamField(name: Array("data".utf8), value: Array(input))]
    } else {
        var index = 0
        while index < pieces.count {
            let value = index + 1 < pieces.count ? Array(pieces[index + 1]) : []
            fields.append(StreamField(name: Array(pieces[index]), value: value))
            index += 2
        }
    }
    if case .success(let event) = EventEncoder.encode(StreamEntry(id: entryID, fields: fields)) {
        precondition(event.json.first == UInt8(ascii: "{") && event.json.last == UInt8(ascii: "}"), "not an object")
        precondition(String(validating: event.json, as: UTF8.self) != nil, "the message is not valid UTF-8")
    }
}
