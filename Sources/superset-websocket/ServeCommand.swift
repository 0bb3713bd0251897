import ArgumentParser
import Config
import Foundation
import Logging
import ServiceLogging
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

        let supervisor = Supervisor(options: SupervisorOptions(logger: logger) {
            // Called at start and on every SIGHUP: re-read and validate the configuration.
            let loaded = try ConfigLoader.load(path: path, environment: ProcessInfo.processInfo.environment)
            return SupervisorSettings(loaded.config)
        })
        let exit = supervisor.run()
        if exit.status != 0 {
            logger.critical("stopping: \(exit.reason)")
        } else {
            logger.info("stopped")
        }
        throw ExitCode(exit.status)
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
