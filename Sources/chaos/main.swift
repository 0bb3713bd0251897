import Foundation

// The chaos test: see ChaosOptions.usage and the README ("Proving lossless delivery").

/// Written by the signal handler (a self-pipe: `write` is async-signal-safe), read by a
/// thread that tears the run down.
let interruptPipe: (read: Int32, write: Int32) = {
    var fds: [Int32] = [-1, -1]
    _ = pipe(&fds)
    return (fds[0], fds[1])
}()

let options: ChaosOptions
do {
    options = try ChaosOptions.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(2)
}
signal(SIGPIPE, SIG_IGN)

let service: ChaosService
do {
    service = try ChaosService(options: options)
} catch {
    FileHandle.standardError.write(Data("chaos: \(error)\n".utf8))
    exit(2)
}

/// Ends the process after cleaning up, from any thread; once.
let finish = NSLock()
func end(_ status: Int32, _ message: String? = nil) -> Never {
    finish.lock()  // Never unlocked: a second caller waits here while the first exits.
    if let message { FileHandle.standardError.write(Data("chaos: \(message)\n".utf8)) }
    if status != 0 && status != 1 {
        // Something went wrong outside the verdict: show what the service said last.
        let log = service.log.split(separator: "\n").suffix(40).joined(separator: "\n")
        FileHandle.standardError.write(Data("chaos: last lines of the service's log:\n\(log)\n".utf8))
    }
    if options.verbose {
        FileHandle.standardError.write(Data("chaos: the service's log:\n\(service.log)\n".utf8))
    }
    service.tearDown()
    exit(status)
}

// SIGINT/SIGTERM: clean up, then exit 130.
_ = interruptPipe
signal(SIGINT) { _ in
    var byte: UInt8 = 1
    _ = write(interruptPipe.write, &byte, 1)
}
signal(SIGTERM) { _ in
    var byte: UInt8 = 1
    _ = write(interruptPipe.write, &byte, 1)
}
Thread {
    var byte: UInt8 = 0
    while read(interruptPipe.read, &byte, 1) < 0 && errno == EINTR {}
    end(130, "interrupted; stopping the service and redis-server")
}.start()

// The hard deadline: whatever hangs, the run stops itself and cleans up.
Thread {
    let deadline = Date(timeIntervalSinceNow: options.hardDeadline)
    while Date() < deadline { usleep(200_000) }
    end(3, "hard deadline of \(Int(options.hardDeadline)) s passed; stopping")
}.start()

do {
    let passed = options.realtime
        ? try await RealtimeChaosRun(options: options, service: service).run()
        : try await ChaosRun(options: options, service: service).run()
    end(passed ? 0 : 1)
} catch {
    end(2, "\(error)")
}
