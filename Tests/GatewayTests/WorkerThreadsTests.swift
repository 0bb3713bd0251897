import Foundation
import Logging
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
        let silent = try Listening()
        let source = RedisReplaySource(
            endpoint: RedisEndpoint(port: silent.port), streamPrefix: "p-", threads: 1, logger: Logger(label: "test"))
        source.start()
        let results = Completions()
        source.fetch(channelID: "a", after: .zero, upTo: .zero) { results.add($0) }  // Taken by the thread.
        Thread.sleep(forTimeInterval: 0.2)
        source.fetch(channelID: "b", after: .zero, upTo: .zero) { results.add($0) }  // Queued behind it.
        var joined = false
        let ms = elapsedMs {
            source.stop()
            joined = source.join(timeoutMs: 5_000)
        }
        #expect(joined)
        #expect(ms < 1_000, "the replay under way was interrupted, not waited for")
        #expect(results.failures == 2)
        source.fetch(channelID: "c", after: .zero, upTo: .zero) { results.add($0) }
        #expect(results.failures == 3, "a stopped source refuses at once")
    }

    @Test func theAcceptorStopsAndClosesItsDescriptorOfTheSocket() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let listening = try Listening()
        let fd = dup(listening.fd)
        let acceptor = InheritedSocketAcceptor(
            listenFD: fd, bootstrap: ClientBootstrap(group: group), logger: Logger(label: "test"))
        acceptor.start()
        Thread.sleep(forTimeInterval: 0.1)
        var joined = false
        let ms = elapsedMs {
            acceptor.stop()
            joined = acceptor.join(timeoutMs: 5_000)
        }
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

/// A TCP socket that listens and never accepts: a connect completes (the kernel's
/// backlog takes it) and a command's reply never comes.
final class Listening {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        close(fd)
    }
}

func elapsedMs(_ body: () throws -> Void) rethrows -> Int {
    let start = MonotonicClock.nanoseconds()
    try body()
    return Int((MonotonicClock.nanoseconds() - start) / 1_000_000)
}
