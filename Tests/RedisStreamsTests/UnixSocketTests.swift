import Events
import Foundation
import RedisStreams
import TestSupport
import Testing

@Suite("Unix socket to a real redis-server")
struct UnixSocketTests {
    @Test func commandsAndTheFirehoseReaderWorkOverAUnixSocket() throws {
        let server = try RedisServer(unixSocket: true)
        var endpoint = server.endpoint
        endpoint.target = .unix(path: server.socketPath)
        #expect(endpoint.description == "unix:\(server.socketPath)/0")
        let connection = try connected(endpoint)
        #expect(connection.server == "unix:\(server.socketPath)")
        let list = try connection.command(["CLIENT", "INFO"]).string ?? ""
        #expect(list.contains("laddr=\(server.socketPath)") || list.contains("addr=/"), "a unix-socket client: \(list)")

        let delivered = Recorder<StreamEntry>()
        let reader = FirehoseReader(
            endpoint: endpoint, stream: "full", startAfter: .zero, blockMs: 200, logger: .init(label: "t"),
            deliver: { delivered.append(contentsOf: $0) })
        reader.start()
        defer { reader.stop(); reader.join(timeoutMs: 5_000) }
        let ids = try connection.xaddPipelined(stream: "full", entries: (0..<20).map { [StreamField(name: "data", value: "\($0)")] })
        #expect(delivered.wait(forCount: 20))
        #expect(delivered.snapshot.map(\.id) == ids)
    }

    @Test func aMissingSocketNamesThePath() {
        let connection = RedisConnection(endpoint: RedisEndpoint(target: .unix(path: "/nonexistent/redis.sock")))
        #expect {
            try connection.connect()
        } throws: { error in
            "\(error)".contains("unix:/nonexistent/redis.sock") && "\(error)".contains("No such file")
        }
    }
}
