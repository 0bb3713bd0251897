import ArgumentParser
import Config
import Control
import Foundation
import IPC
import ServiceMetrics
import Logging
import ServiceLogging
import ServiceStatus
import Supervisor

/// The service: a supervisor (systemd's main process) running one worker per core.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the service: a supervisor and its workers (the default command).")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let loaded = options.load()
        let config = loaded.config
        ServiceLog.bootstrap(level: Logger.Level(rawValue: config.swiftLogLevelName) ?? .info, filePath: config.logToFile ? config.logFilename : nil)
        let logger = Logger(label: "supervisor")
        for warning in loaded.warnings { logger.warning("\(warning)") }
        let path = options.resolvedPath
        logger.info("starting", metadata: ["config": "\(path ?? "(defaults and environment)")"])

        let timers = TimerSampleInbox()
        var supervisorOptions = SupervisorOptions(logger: logger) {
            // Called at start and on every SIGHUP: re-read and validate the configuration.
            let loaded = try ConfigLoader.load(path: path, environment: ProcessInfo.processInfo.environment)
            return SupervisorSettings(loaded.config)
        }
        supervisorOptions.onHeartbeat = { _, heartbeat in
            if let samples = heartbeat.timers { timers.add(samples) }
        }
        let supervisor = Supervisor(options: supervisorOptions)

        // StatsD and the status socket run on threads of their own: neither a StatsD host
        // that does not answer nor a stuck `status` client can slow the supervisor's loop.
        let reporter = StatsDReporter(
            host: config.statsd.host, port: config.statsd.port,
            format: StatsDFormat(prefix: config.statsd.prefix, tags: config.statsd.globalTags),
            intervalMs: config.statsd.flushIntervalMs, logger: Logger(label: "statsd")
        ) {
            MetricsTotals(supervisor.snapshot(), timers: timers.drain())
        }
        reporter.start()
        let control: ControlServer?
        do {
            let server = try ControlServer(
                path: ControlSocketPath.forServer(config, environment: ProcessInfo.processInfo.environment),
                logger: Logger(label: "control")
            ) {
                (try? JSONEncoder().encode(supervisor.snapshot())).map { Array($0) } ?? []
            }
            server.start()
            logger.info("status socket", metadata: ["path": "\(server.path)"])
            control = server
        } catch {
            logger.warning("status socket unavailable: \(error)")
            control = nil
        }
        let exit = supervisor.run()
        reporter.stop()
        control?.stop()
        if exit.status != 0 {
            logger.critical("stopping: \(exit.reason)")
        } else {
            logger.info("stopped")
        }
        throw ExitCode(exit.status)
    }
}

extension MetricsTotals {
    /// What StatsD reports from a supervisor snapshot: the workers' summed counters plus
    /// the supervisor's own restart count, and the summed gauges.
    init(_ snapshot: SupervisorSnapshot, timers: [String: TimerSamples]) {
        var counters = snapshot.totals.counters
        counters[MetricNames.workerRestarts] = Int64(snapshot.totals.restarts)
        self.init(
            counters: counters,
            gauges: [
                MetricNames.connections: Int64(snapshot.totals.connections),
                MetricNames.channels: Int64(snapshot.totals.channels),
            ],
            timers: timers)
    }
}

extension SupervisorSettings {
    init(_ config: ServiceConfig) {
        self.init(
            configJSON: config.renderedJSON(redactingSecrets: false),
            workerCount: config.workers > 0 ? config.workers : ProcessInfo.processInfo.activeProcessorCount,
            workerHeartbeatTimeoutMs: config.workerHeartbeatTimeoutMs,
            shutdownTimeoutMs: config.shutdownTimeoutMs,
            redisStreamReadBlockMs: config.redisStreamReadBlockMs,
            // The supervisor owns one SO_REUSEPORT listener per worker slot and hands it
            // to whichever worker holds the slot: a replaced or reloaded worker inherits
            // its predecessor's accept queue, so no queued connection is ever reset.
            listenAddress: ListenAddress(host: config.host, port: config.port))
    }
}
