import Events
import Foundation
import RedisStreams
import TestSupport
import Testing

@Suite("The test redis-server launcher")
struct RedisServerTests {
    @Test func aMissingBinarySaysHowToInstallIt() {
        #expect {
            _ = try RedisServer(executable: "/nonexistent/redis-server")
        } throws: { error in
            "\(error)".contains("apt-get install redis-server")
        }
    }

    @Test func persistedStreamsSurviveAKillAndStopRemovesTheDirectory() throws {
        let server = try RedisServer(persistence: .appendOnly)
        let id = try connected(server.endpoint).xadd(stream: "s", fields: [StreamField(name: "d", value: "kept")])
        let port = server.port
        server.kill()
        #expect(!server.isRunning)
        try server.restart()
        #expect(server.port == port)
        #expect(try connected(server.endpoint).xrange(stream: "s", from: .zero).map(\.id) == [id])
        server.stop()
        #expect(!server.isRunning)
        #expect(!FileManager.default.fileExists(atPath: server.directory.path))
    }
}
