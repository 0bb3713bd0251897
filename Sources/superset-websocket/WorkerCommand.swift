import ArgumentParser
import Config
import Foundation
import Gateway
import IPC
import Logging
import ServiceMetrics
import CoreMetrics
import NIOCore
import ServiceLogging

/// A worker process, started by the supervisor (never by hand): it reads its
/// configuration from the supervisor link (fd 3), serves until told to drain, and
/// heartbeats from its event loop so a hung loop is noticed.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run one worker (started by `serve`; not for direct use).", shouldDisplay: false)

    @Option(name: .customLong("listen-fd"), help: "Serve this inherited listening socket instead of binding.")
    var listenFD: Int32?

    func run() async throws {
        let link: WorkerLink
        do {
            link = try WorkerLink.adopt()
        } catch {
            FileHandle.standardError.write(Data("superset-websocket worker: \(error); workers are started by `superset-websocket serve`\n".utf8))
            throw ExitCode(2)
        }
        let config: ServiceConfig
        do {
            config = try ConfigLoader.load(fileContents: Data(link.startInfo.configJSON.utf8), fileName: "supervisor", environment: [:]).config
        } catch {
            link.send(.bootFailed(reason: "invalid configuration from the supervisor: \(error)"))
            _ = link.flush()
            throw ExitCode(ConfigError.exitCode)
        }
        ServiceLog.bootstrap(level: Logger.Level(rawValue: config.swiftLogLevelName) ?? .info, filePath: config.logToFile ? config.logFilename : nil)
        let logger = Logger(label: "worker[\(link.startInfo.generation).\(link.startInfo.index)]")

        let commands = AsyncStream<WorkerInstruction>.makeStream()
        link.startReading(
            onCommand: { message in
                switch message {
                case .drain(let deadlineMs): commands.continuation.yield(.drain(deadlineMs: deadlineMs))
                case .stop: commands.continuation.yield(.stop)
                case .start: break
                }
            },
            onSupervisorGone: { commands.continuation.yield(.supervisorGone) })
        let signals = TerminationSignal.install { commands.continuation.yield(.drain(deadlineMs: config.shutdownTimeoutMs)) }

        let metrics = WorkerMetrics()
        MetricsSystem.bootstrap(metrics)
        let worker: GatewayWorker
        do {
            worker = try await GatewayWorker.start(options: GatewayOptions(config: config, listenFD: listenFD), logger: logger, metrics: metrics)
        } catch {
            logger.error("worker failed to start", metadata: ["error": "\(error)"])
            link.send(.bootFailed(reason: "\(error)"))
            _ = link.flush()
            throw ExitCode(1)
        }
        link.send(.ready)

        let interval = max(100, min(1_000, config.workerHeartbeatTimeoutMs / 5))
        let heartbeats = Task {
            while !Task.isCancelled {
                // The snapshot is taken on the event loop: no heartbeat when it hangs.
                if let snapshot = try? await worker.snapshot() {
                    link.send(.heartbeat(Heartbeat(snapshot)))
                }
                try? await Task.sleep(for: .milliseconds(interval))
            }
        }

        for await instruction in commands.stream {
            switch instruction {
            case .drain(let deadlineMs):
                logger.info("draining", metadata: ["deadlineMs": "\(deadlineMs)"])
                link.send(.draining)
                heartbeats.cancel()
                // The final report: what was counted since the last heartbeat is not lost.
                if let last = await worker.drain(timeout: .milliseconds(Int64(deadlineMs))) {
                    link.send(.heartbeat(Heartbeat(last)))
                }
            case .supervisorGone:
                logger.warning("supervisor gone; draining and exiting")
                await worker.drain(timeout: .milliseconds(Int64(min(config.shutdownTimeoutMs, 1_500))))
            case .stop:
                await worker.shutdown()
            }
            heartbeats.cancel()
            _ = link.flush(timeoutMs: 500)
            withExtendedLifetime(signals) {}
            return
        }
    }
}

enum WorkerInstruction: Sendable {
    case drain(deadlineMs: Int)
    case stop
    case supervisorGone
}

extension Heartbeat {
    init(_ snapshot: WorkerSnapshot) {
        self.init(
            connections: snapshot.connections, channels: snapshot.channels, redisState: snapshot.redisState,
            readerProgressAgeMs: snapshot.readerProgressAgeMs, firehoseLastID: snapshot.firehosePosition,
            counters: snapshot.counters, gauges: [:], timers: snapshot.timers.isEmpty ? nil : snapshot.timers)
    }
}

/// SIGTERM/SIGINT sent to a worker directly (e.g. PR_SET_PDEATHSIG, or `kill`): drain.
/// `@unchecked`: the sources are only kept alive, never touched after `install`.
final class TerminationSignal: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    private init(sources: [any DispatchSourceSignal]) {
        self.sources = sources
    }

    static func install(_ handler: @escaping @Sendable () -> Void) -> TerminationSignal {
        let sources = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
        return TerminationSignal(sources: sources)
    }
}
