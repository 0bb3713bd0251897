import Events

/// Judges each client: the ids it received, in order, against the firehose ids of its
/// channel after the id it first connected with. Lost, duplicated, out of order and
/// unexpected (an id that is not one of its channel's firehose entries) must all be 0.
struct DeliveryAudit {
    struct Verdict {
        var expected = 0
        var received = 0
        var lost = 0
        var duplicated = 0
        var outOfOrder = 0
        var unexpected = 0
        var foreign = 0
        var unparsable = 0

        var isClean: Bool { lost == 0 && duplicated == 0 && outOfOrder == 0 && unexpected == 0 && foreign == 0 && unparsable == 0 }

        static func + (a: Verdict, b: Verdict) -> Verdict {
            Verdict(
                expected: a.expected + b.expected, received: a.received + b.received, lost: a.lost + b.lost,
                duplicated: a.duplicated + b.duplicated, outOfOrder: a.outOfOrder + b.outOfOrder,
                unexpected: a.unexpected + b.unexpected, foreign: a.foreign + b.foreign, unparsable: a.unparsable + b.unparsable)
        }
    }

    struct ClientVerdict {
        let index: Int
        let channel: String
        let slow: Bool
        let verdict: Verdict
        /// The first few problems, for the report.
        let examples: [String]
        /// Where the client was at the end (`ChaosClient.Record.whereabouts`).
        let whereabouts: String
    }

    static func judge(_ client: ChaosClient, truth: FirehoseTruth) -> ClientVerdict {
        let record = client.record
        let expected = truth.ids(of: client.channel, after: record.initialLastID ?? .zero)
        let got = record.received
        var verdict = Verdict(expected: expected.count, received: got.count, foreign: record.foreign, unparsable: record.unparsable)
        var examples: [String] = []
        let expectedSet = Set(expected)
        var seen = Set<StreamID>()
        var previous: StreamID?
        for id in got {
            if !seen.insert(id).inserted {
                verdict.duplicated += 1
                if examples.count < 5 { examples.append("duplicate \(id)") }
            }
            if let previous, id < previous {
                verdict.outOfOrder += 1
                if examples.count < 5 { examples.append("\(id) after \(previous)") }
            }
            if !expectedSet.contains(id) {
                verdict.unexpected += 1
                if examples.count < 5 { examples.append("unexpected \(id)") }
            }
            previous = id
        }
        for id in expected where !seen.contains(id) {
            verdict.lost += 1
            if examples.count < 5 { examples.append("lost \(id)") }
        }
        return ClientVerdict(index: client.index, channel: client.channel, slow: client.slow, verdict: verdict, examples: examples, whereabouts: record.whereabouts)
    }
}
