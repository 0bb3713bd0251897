import Testing
@testable import Events

@Suite("EventEncoder")
struct EventEncoderTests {
    @Test func typicalSupersetEvent() throws {
        let entry = StreamEntry(id: StreamID(milliseconds: 1_615_426_152_415, sequence: 0), fields: [
            StreamField(name: "data", value: #"{"channel_id": "ch-1", "job_id": "j", "user_id": "1", "status": "done", "errors": [], "result_url": "/api/v1/chart/data/qc-1"}"#),
        ])
        let event = try EventEncoder.encode(entry).get()
        #expect(event.id == entry.id)
        #expect(event.channelID == "ch-1")
        #expect(String(decoding: event.json, as: UTF8.self)
            == #"{"id":"1615426152415-0","channel_id":"ch-1","job_id":"j","user_id":"1","status":"done","errors":[],"result_url":"/api/v1/chart/data/qc-1"}"#)
    }

    @Test func firstFieldIsUsedWhateverItsName() throws {
        let entry = StreamEntry(id: StreamID(milliseconds: 1, sequence: 2), fields: [
            StreamField(name: "payload", value: #"{"channel_id":"first"}"#),
            StreamField(name: "data", value: #"{"channel_id":"second"}"#),
        ])
        let event = try EventEncoder.encode(entry).get()
        #expect(event.channelID == "first")
        #expect(event.json == Array(#"{"id":"1-2","channel_id":"first"}"#.utf8))
        let empty = StreamEntry(id: .zero, fields: [StreamField(name: [], value: Array(#"{"channel_id":"x"}"#.utf8))])
        #expect((try? EventEncoder.encode(empty).get().channelID) == "x")
    }

    @Test func laterFieldsDoNotRescueABadFirstField() {
        let entry = StreamEntry(id: .zero, fields: [
            StreamField(name: "data", value: "nope"),
            StreamField(name: "data2", value: #"{"channel_id":"c"}"#),
        ])
        #expect(EventEncoder.encode(entry).error == .invalidJSON("unexpected byte 0x6f at offset 1"))
    }

    @Test func entryWithoutFields() {
        #expect(EventEncoder.encode(StreamEntry(id: .zero, fields: [])).error == .noFields)
    }

    @Test(arguments: ["123", "null", "true", "[\"c\"]", "{\"c\":1}", "1.5"])
    func nonStringChannelIDIsRejected(_ channel: String) {
        #expect(encode(#"{"channel_id":\#(channel),"job_id":"j"}"#).error == .missingChannelID)
    }

    @Test func channelIDIsDecoded() throws {
        #expect(try encode(#"{"channel_id":"a\u0062c\/d\"e\\f\n"}"#).get().channelID == "abc/d\"e\\f\n")
        #expect(try encode(#"{"channel_id":"caf\u00e9 \ud83d\ude00"}"#).get().channelID == "café 😀")
        #expect(try encode(#"{"channel_id":"x\ud800"}"#).get().channelID == "x\u{FFFD}")
        #expect(try encode(#"{"channel_id":""}"#).get().channelID == "")
        #expect(try encode(#"{"x":{"channel_id":1},"channel_id":"top"}"#).get().channelID == "top")
    }

    @Test func entryIDIsWrittenInFull() throws {
        let id = StreamID(milliseconds: .max, sequence: .max)
        let event = try EventEncoder.encode(StreamEntry(id: id, fields: [StreamField(name: "d", value: #"{"channel_id":"c"}"#)])).get()
        #expect(event.json == Array(#"{"id":"18446744073709551615-18446744073709551615","channel_id":"c"}"#.utf8))
    }

    @Test func errorsDoNotQuoteTheValue() {
        let secret = String(repeating: "s3cr3t", count: 1000)
        let cases = [
            encode("\(secret)"), encode("[\"\(secret)\"]"), encode("{\"x\":\"\(secret)\"}"),
            encode("{\"x\":\"\(secret)"), encode("{\"x\":\"\(secret)\\q\"}"),
        ]
        for result in cases {
            let description = "\(result.error.map(String.init(describing:)) ?? "accepted")"
            #expect(!description.contains("s3cr3t"))
            #expect(description.count < 80)
        }
    }

    @Test func errorDescriptions() {
        #expect(EventDecodingError.noFields.description == "stream entry has no fields")
        #expect(EventDecodingError.notAnObject.description == "value is not a JSON object")
        #expect(EventDecodingError.missingChannelID.description == "value has no string channel_id")
        #expect(encode("{\"channel_id\":\"c\",}").error?.description == "value is not valid JSON: unexpected byte 0x7d at offset 18")
        #expect(encode("{\"a\":\"\\x\"}").error?.description == "value is not valid JSON: bad escape at offset 6")
        #expect(encode("{\"a\":\"\t\"}").error?.description == "value is not valid JSON: control character in string at offset 6")
    }

    @Test func outputIsUsableAfterManyEncodings() throws {
        // The encoder keeps no state between calls.
        for n in 0..<100 {
            let event = try encode(#"{"channel_id":"c\#(n)","n":\#(n)}"#, id: "\(n)-\(n)").get()
            #expect(event.json == Array(#"{"id":"\#(n)-\#(n)","channel_id":"c\#(n)","n":\#(n)}"#.utf8))
        }
    }
}
