import Foundation

/// What a chaos run does: how long it publishes, how much, to how many clients, and how
/// often it breaks something. `short` is the CI preset; `long` scales with `--duration`.
struct ChaosOptions: Sendable {
    enum Mode: String, Sendable { case short, long }

    var mode = Mode.short
    /// `--realtime`: Superset 7's Pub/Sub protocol with resume (RealtimeChaos.swift)
    /// instead of the streams protocol.
    var realtime = false
    /// Seconds of publishing (faults are injected during all but the last few).
    var duration = 40.0
    /// Channels with at least one client.
    var channels = 200
    /// Normal clients (browser tabs), spread over `channels`: some channels get two.
    var clients = 300
    /// Clients that read slowly enough to trip `maxSocketBufferBytes`, each on a hot
    /// channel of its own (which also has a normal tab).
    var slowClients = 3
    /// Slow tabs on each hot channel (`slowClients` is the number of hot channels). Two,
    /// each with its own timing: a fault that keeps one tab replaying (cut off, then
    /// catching up from Redis through a hot window) no longer leaves a run where no slow
    /// consumer ever reached the cap (about one short run in twenty did, with one tab).
    static let slowTabsPerHotChannel = 2
    /// Channels that get events but have no client here.
    var idleChannels = 50
    /// Steady events per second over all channels (pipelined per 10 ms tick).
    var rate = 400.0
    /// Every `burstEvery` seconds, one event for each of `burstSize` channels in one
    /// pipelined round trip: they share a millisecond.
    var burstSize = 150
    var burstEvery = 2.0
    /// Events per second on each hot channel during its hot windows (`hotWindow` seconds
    /// every `hotPeriod`), with Superset error payloads of about `hotEventBytes` bytes.
    /// A stalled client's kernel buffers alone take ~3 MB on loopback before the server's
    /// own buffer grows, hence the volume.
    var hotRate = 120.0
    var hotEventBytes = 8_000
    var hotPeriod = 10.0
    var hotWindow = 8.0
    /// Events published before the clients connect (the workers' history warms with them).
    var warmEvents = 2_000
    /// Seconds between two faults (jittered ±40 %).
    var faultEvery = 2.0
    /// The service's slow-consumer cap. Lower than the 1 MiB default so that a slow
    /// client trips it within seconds of a hot window (the mechanism is the same);
    /// 0 keeps the service's default.
    var maxSocketBufferBytes = 256 * 1024
    /// How long the end waits for every client to catch up before judging.
    var settleTimeout = 45.0
    var seed: UInt64 = UInt64(Date().timeIntervalSince1970)
    /// The `superset-websocket` binary; default: next to this one.
    var binary: String?
    /// Print the service's whole log (its own timestamps) after the report.
    var verbose = false

    static let usage = """
        usage: chaos [--short | --long] [--realtime] [--duration SECONDS] [--channels N] [--clients N]
                     [--slow-clients N] [--rate EVENTS_PER_S] [--burst-size N] [--fault-every SECONDS]
                     [--max-socket-buffer-bytes N] [--seed N] [--binary PATH] [--verbose]

          --short      the CI preset (default): 40 s of publishing, 200 channels, 300 clients
          --long       a longer run: --duration (default 600 s), 400 channels, 600 clients
          --max-socket-buffer-bytes  the service's cap (default 262144; 0: the service's default)
          --realtime   Superset 7's realtime protocol: PUBLISHes over user, tab and broadcast
                       routes, clients resuming with ?resume=1&last_message_id=; short: 30 s,
                       60 clients, 100 messages/s (--duration, --clients, --rate apply)
          --verbose    print the service's whole log (its own timestamps) after the report
        Runs the real service (2 workers) against a real redis-server, injects faults while
        publishing, then checks every client received exactly its channel's firehose ids.
        Exit status 0 when nothing was lost, duplicated or reordered; 1 otherwise; 2 on a
        usage or setup error; 3 when the hard deadline passed.
        """

    /// The upper bound of a run, whatever it asks: the program stops itself then.
    static let maxDuration = 24.0 * 3600

    static func parse(_ arguments: [String]) throws -> ChaosOptions {
        var options = ChaosOptions()
        var explicitDuration: Double?
        var explicitChannels: Int?
        var explicitClients: Int?
        var iterator = arguments.makeIterator()
        func value(_ name: String) throws -> String {
            guard let next = iterator.next() else { throw UsageError("\(name) needs a value") }
            return next
        }
        func number<T: LosslessStringConvertible>(_ name: String) throws -> T {
            let text = try value(name)
            guard let parsed = T(text) else { throw UsageError("\(name): not a number: \(text)") }
            return parsed
        }
        while let argument = iterator.next() {
            switch argument {
            case "--short": options.mode = .short
            case "--long": options.mode = .long
            case "--duration": explicitDuration = try number(argument)
            case "--channels": explicitChannels = try number(argument)
            case "--clients": explicitClients = try number(argument)
            case "--slow-clients": options.slowClients = try number(argument)
            case "--rate": options.rate = try number(argument)
            case "--burst-size": options.burstSize = try number(argument)
            case "--fault-every": options.faultEvery = try number(argument)
            case "--max-socket-buffer-bytes": options.maxSocketBufferBytes = try number(argument)
            case "--seed": options.seed = try number(argument)
            case "--binary": options.binary = try value(argument)
            case "--verbose": options.verbose = true
            case "--realtime": options.realtime = true
            case "--help", "-h": throw UsageError(nil)
            default: throw UsageError("unknown argument \(argument)")
            }
        }
        if options.mode == .long {
            options.duration = 600
            options.channels = 400
            options.clients = 600
            options.idleChannels = 100
            options.settleTimeout = 90
            // Fewer, rarer hot windows: each costs Redis ~5 MB per hot channel.
            options.slowClients = 2
            options.hotPeriod = 30
        }
        if options.realtime {
            // Realtime short: bounded to about a minute (CI runs it beside the streams run).
            // 30 s with a fault every ~1.5 s: room for each kind (a hung worker's replacement
            // alone takes ~3 s) in the short run.
            options.duration = options.mode == .long ? 600 : 30
            options.faultEvery = 1.5
            options.clients = options.mode == .long ? 200 : 60
            options.channels = options.clients / 2
            options.rate = 100
            options.settleTimeout = 15
            options.slowClients = 0
        }
        if let explicitDuration { options.duration = explicitDuration }
        if let explicitChannels { options.channels = explicitChannels }
        if let explicitClients { options.clients = explicitClients }
        guard options.duration >= 10, options.duration <= maxDuration else {
            throw UsageError("--duration must be between 10 and \(Int(maxDuration)) seconds")
        }
        guard options.channels >= 1, options.clients >= options.channels else {
            throw UsageError("--clients must be at least --channels (every channel has a client)")
        }
        guard options.clients + options.slowClients * (slowTabsPerHotChannel + 1) <= 4_000 else {
            throw UsageError("at most 4000 clients: the open-file budget of one process")
        }
        guard options.rate > 0, options.rate <= 5_000, options.faultEvery >= 0.5 else {
            throw UsageError("--rate must be in (0, 5000] and --fault-every at least 0.5")
        }
        return options
    }

    /// When the program gives up, whatever happens: publishing, the end's settling and a
    /// margin for starting and stopping.
    var hardDeadline: Double { duration + settleTimeout + 60 }
}

struct UsageError: Error, CustomStringConvertible {
    let message: String?
    init(_ message: String?) { self.message = message }
    var description: String { message.map { "chaos: \($0)\n\n\(ChaosOptions.usage)" } ?? ChaosOptions.usage }
}
