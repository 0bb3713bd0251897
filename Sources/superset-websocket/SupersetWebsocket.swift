import ArgumentParser

@main
struct SupersetWebsocket: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "superset-websocket",
        abstract: "A drop-in replacement for Apache Superset's WebSocket server (Global Async Queries, ws transport).",
        subcommands: [ServeCommand.self, StatusCommand.self, ReloadCommand.self, CheckConfigCommand.self, DevTokenCommand.self, DevRealtimeTokenCommand.self, PublishCommand.self, PublishRealtimeCommand.self, WorkerCommand.self],
        defaultSubcommand: ServeCommand.self)
}
