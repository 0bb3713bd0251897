import ArgumentParser

/// The benchmark suite's one executable: the load generator's clients, the Superset-shaped
/// publisher, the "ceiling" server and the driver that runs every scenario (see
/// `bench/README.md`). One binary so that a scenario always measures both servers with
/// exactly the same client code.
@main
struct LoadGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadgen",
        abstract: "superset-websocket's benchmark suite: clients, publisher, ceiling server, scenario driver.",
        subcommands: [ClientsCommand.self, PublishCommand.self, CeilingCommand.self, RunCommand.self])
}
