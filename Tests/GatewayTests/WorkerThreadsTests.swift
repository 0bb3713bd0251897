import Foundation
import Logging
import MonotonicTime
import NIOCore
import NIOPosix
import RedisStreams
import Testing
import TestSupport

@testable import Gateway

/// The worker's threads share one lifecycle: stop wakes them wherever they wait, and
/// join returns once they are gone.
@Suite struct WorkerThreadsTests {
    @Test func theReplaySourceFailsWhatIsQueuedAndItsThreadsEnd() throws {
        // A server that accepts and never answers: the replay thread waits in a reply.
        let silent = try SilentListener()
        let source = RedisReplaySource(
            endpoint: RedisEndpoint(port: silent.port), streamPrefix: "p-", threads: 1, logger: Logger(label: "test"))
        source.start()
        let results = Completions()
        source.fetch(channelID: "a", after: .zero, upTo: .zero) { results.add($0) }  // Taken by the thread.
        Thread.sleep(forTimeInterval: 0.2)
        source.fetch(channelID: "b", after: .zero, upTo: .zero) { results.add($0) }  // Queued behind it.
        let (joined, ms) = stopAndJoin(source)
        #expect(joined)
        #expect(ms < 1_000, "the replay under way was interrupted, not waited for")
        #expect(results.failures == 2)
        source.fetch(channelID: "c", after: .zero, upTo: .zero) { results.add($0) }
        #expect(results.failures == 3, "a stopped source refuses at once")
    }

    @Test func theAcceptorStopsAndClosesItsDescriptorOfTheSocket() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let listening = try SilentListener()
        let fd = dup(listening.fd)
        let acceptor = InheritedSocketAcceptor(
            listenFD: fd, bootstrap: ClientBootstrap(group: group), logger: Logger(label: "test"))
        acceptor.start()
        Thread.sleep(forTimeInterval: 0.1)
        let (joined, ms) = stopAndJoin(acceptor)
        #expect(joined)
        #expect(ms < 1_000)
        #expect(fcntl(fd, F_GETFD) == -1, "this process's descriptor is closed")
        #expect(fcntl(listening.fd, F_GETFD) != -1, "another holder of the socket keeps it")
    }
}

/// Results of completions called from other threads.
final class Completions: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<ReplayBatch, any Error>] = []

    func add(_ result: Result<ReplayBatch, any Error>) {
        lock.withLock { results.append(result) }
    }

    var failures: Int {
        lock.withLock { results.filter { if case .failure = $0 { true } else { false } }.count }
    }
}

