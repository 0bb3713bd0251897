import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// The ceiling: the least a SwiftNIO WebSocket server can do (see `CeilingServer`). The
/// driver runs one process per worker of the service, on one port (`--reuse-port`).
/// Prints `listening` with its port; then reads commands on stdin, each answered with a
/// `done` line when finished:
/// - `broadcast <events>`: every socket receives `<events>` messages;
/// - `paced <perSocket> <perSecond>`: `<perSocket>` messages to every socket, one socket at
///   a time in turn, at `<perSecond>` (this process's share of the run's rate);
/// - `exit` (or EOF): stop.
struct CeilingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ceiling", abstract: "A minimal SwiftNIO WebSocket server (no JWT, no Redis) that writes pre-encoded frames.")

    @Option(help: "Bind address.") var host = "0.0.0.0"
    @Option(help: "Port (0: any free one).") var port = 0
    @Option(help: "Event-loop threads.") var threads = 1
    @Flag(help: "SO_REUSEPORT, so that several ceiling processes share the port as the service's workers do.")
    var reusePort = false

    func run() throws {
        let server = try CeilingServer(host: host, port: port, threads: threads, reusePort: reusePort)
        LineOutput.emit(EventLine(event: "listening", body: ["port": server.port]))
        while let line = readLine() {
            let words = line.split(separator: " ")
            guard let verb = words.first else { continue }
            switch verb {
            case "broadcast":
                let events = Int(words.dropFirst().first ?? "1") ?? 1
                let startNs = BenchClock.nowNs()
                let written = server.broadcast(events: events)
                LineOutput.emit(EventLine(event: "done", body: ["written": UInt64(written), "startNs": startNs, "endNs": BenchClock.nowNs()]))
            case "paced":
                let perSocket = Int(words.dropFirst().first ?? "1") ?? 1
                let rate = Double(words.dropFirst(2).first ?? "1000") ?? 1000
                let startNs = BenchClock.nowNs()
                let written = server.paced(perSocket: perSocket, perSecond: rate)
                LineOutput.emit(EventLine(event: "done", body: ["written": UInt64(written), "startNs": startNs, "endNs": BenchClock.nowNs()]))
            case "connections":
                LineOutput.emit(EventLine(event: "connections", body: server.connectionsPerLoop()))
            case "exit":
                server.stop()
                return
            default:
                continue
            }
        }
        server.stop()
    }
}
