import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TestSupport

/// A client process: opens its share of authenticated connections, says so on stdout
/// (`connected`), says when every connection has received `--expect` messages
/// (`complete`), and prints its figures (`report`) when told on stdin (`report`), at
/// `--deadline`, or when stdin ends. `exit` (or EOF) closes everything and exits.
struct ClientsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients", abstract: "Open many authenticated WebSocket connections and count what they receive.")

    @Option(help: "The server's port.") var port: Int
    @Option(help: "Global index of this process's first connection.") var firstIndex = 0
    @Option(help: "Connections to open.") var count: Int
    @Option(help: "Channels the connections are spread over (connection g listens to channel g % channels).") var channels = 1
    @Option(help: "Channel id prefix.") var channelPrefix = "bench-"
    @Option(help: "Source addresses (127.0.0.2-127.0.0.9 or a comma list).") var sources = "127.0.0.2-127.0.0.9"
    @Option(help: "Server addresses the connections are spread over.") var targets = "127.0.0.1"
    @Option(help: "The JWT secret the tokens are signed with.") var secret = TestTokens.secret
    @Option(help: "The last_id each connection sends (replay).") var lastID: String?
    @Option(help: "Messages each connection must receive before `complete`.") var expect = 0
    @Option(help: "Handshakes in flight at once, per event loop.") var inFlight = 256
    @Option(help: "Event-loop threads.") var threads = 1
    @Option(help: "SO_RCVBUF of each connection (bytes; default: the kernel's).") var receiveBuffer: Int?
    @Option(help: "Seconds after which the process reports and exits whatever happened.") var deadline = 120.0

    func run() throws {
        let plan = ClientPlan(
            port: port, firstIndex: firstIndex, count: count, channels: channels, channelPrefix: channelPrefix,
            sources: ClientPlan.addresses(sources), targets: ClientPlan.addresses(targets), secret: secret,
            lastID: lastID, expected: expect)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        let loops = Array(group.makeIterator())
        let progress = ProcessProgress(loops: loops.count)
        let connectors = loops.enumerated().map { offset, loop in
            let indices = Array(stride(from: plan.firstIndex + offset, to: plan.firstIndex + plan.count, by: loops.count))
            return Connector(
                loop: loop, plan: plan, indices: indices, maxInFlight: inFlight, receiveBuffer: receiveBuffer,
                onConnected: { progress.loopConnected() }, onComplete: { progress.loopComplete() })
        }
        for connector in connectors { try connector.loop.submit { connector.prepare() }.wait() }
        LineOutput.emit(EventLine(event: "prepared", body: ["count": plan.count]))
        for connector in connectors { connector.loop.execute { connector.start() } }

        let finished = ExitLatchBox()
        let deadlineThread = Thread {
            if !finished.wait(seconds: deadline) { finished.signal() }
        }
        deadlineThread.start()
        let stdinThread = Thread {
            while let line = readLine() {
                if line == "report" { LineOutput.emit(EventLine(event: "report", body: Self.report(connectors))) }
                if line == "exit" { break }
            }
            finished.signal()
        }
        stdinThread.start()
        _ = finished.wait(seconds: .infinity)
        LineOutput.emit(EventLine(event: "report", body: Self.report(connectors)))
        try? group.syncShutdownGracefully()
    }

    static func report(_ connectors: [Connector]) -> ClientReport {
        ClientReport.merged(connectors.compactMap { connector in
            try? connector.loop.submit { connector.stats.snapshot(expected: connector.stats.expected) }.wait()
        })
    }
}

/// Emits `connected` once every loop has answered all its handshakes, `complete` once
/// every loop's connections have all their messages.
final class ProcessProgress: Sendable {
    private let state: NIOLockedValueBox<(connected: Int, complete: Int)>
    private let loops: Int

    init(loops: Int) {
        self.loops = loops
        self.state = NIOLockedValueBox((0, 0))
    }

    func loopConnected() {
        let all = state.withLockedValue { s -> Bool in
            s.connected += 1
            return s.connected == loops
        }
        if all { LineOutput.emit(EventLine(event: "connected", body: ["atNs": BenchClock.nowNs()])) }
    }

    func loopComplete() {
        let all = state.withLockedValue { s -> Bool in
            s.complete += 1
            return s.complete == loops
        }
        if all { LineOutput.emit(EventLine(event: "complete", body: ["atNs": BenchClock.nowNs()])) }
    }
}

/// A one-shot signal with a timed wait.
final class ExitLatchBox: @unchecked Sendable {
    private let condition = NSCondition()
    private var signalled = false

    func signal() {
        condition.lock()
        signalled = true
        condition.broadcast()
        condition.unlock()
    }

    /// True when signalled, false on timeout.
    func wait(seconds: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard seconds.isFinite else {
            while !signalled { condition.wait() }
            return true
        }
        let limit = Date().addingTimeInterval(seconds)
        while !signalled {
            if !condition.wait(until: limit) { return signalled }
        }
        return true
    }
}
