import Foundation
import Glibc
import Testing
import TestSupport

extension EndToEnd {
    /// systemd socket activation, for real: a listening socket on fd 3 and
    /// `LISTEN_FDS=1`, `LISTEN_PID=<the service's pid>` (set by `/bin/sh` before it
    /// `exec`s the binary, which keeps the pid, as systemd does after its fork).
    @Suite("Socket activation")
    struct SocketActivationTests {
        /// One shared socket: which worker accepts is the kernel's choice (serial requests
        /// tend to go to one idle worker), so the test shows that each can take over.
        @Test("the workers share the inherited socket: each can serve it, and it survives a reload")
        func inheritedSocket() async throws {
            let redis = try RedisServer()
            let port = try FreePort.loopback()
            let listener = try HealthProbe.occupy(port: port)
            let directory = NSTemporaryDirectory() + "activation-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let notify = try NotifySocket(directory: directory)
            let configPath = directory + "/config.json"
            let config: [String: Any] = [
                "workers": 2, "port": port, "host": "127.0.0.1", "jwtSecret": TestTokens.secret,
                "redis": ["port": redis.port], "controlSocket": directory + "/control.sock", "shutdownTimeoutMs": 2_000,
            ]
            try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))

            let script = "LISTEN_PID=$$ LISTEN_FDS=1 exec \"$0\" serve --config \"$1\""
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LISTEN_") }
            environment["NOTIFY_SOCKET"] = notify.path
            let pid = try Spawn.run("/bin/sh", ["-c", script, ServiceProcess.binary.path, configPath],
                                    environment: environment, fd3: listener, stderrPath: directory + "/stderr.log")
            close(listener)  // The service holds it now.
            defer {
                kill(pid, SIGTERM)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                redis.stop()
            }
            #expect(await notify.first("READY", value: "1", timeoutMs: 15_000) != nil)
            let workers = await eventually(timeoutMs: 3_000) { () -> Set<Int32>? in
                let children = ProcessTable.children(of: pid)
                return children.count == 2 ? children : nil
            }
            let pair = try #require(workers)
            let answering = HealthProbe.answeringPIDs(port: port, count: 50, candidates: pair)
            #expect(!answering.isEmpty && answering.isSubset(of: pair))
            // Stop the one that answers: the other accepts from the same socket.
            let first = try #require(answering.first)
            kill(first, SIGSTOP)
            let other = pair.subtracting([first])
            #expect(HealthProbe.answeringPIDs(port: port, count: 20, candidates: other, timeoutMs: 1_000) == other)
            kill(first, SIGCONT)
            // The supervisor did not bind a socket of its own: the listener is the inherited one.
            let stderr = (try? String(contentsOfFile: directory + "/stderr.log", encoding: .utf8)) ?? ""
            #expect(!stderr.contains("Address already in use"), "\(stderr)")
            #expect(!stderr.contains("crashed") && !stderr.contains("exited with"), "no worker died: \(stderr)")

            let hupAt = nowMs()
            kill(pid, SIGHUP)
            #expect(await notify.first("READY", value: "1", since: hupAt, timeoutMs: 10_000) != nil)
            let fresh = await eventually(timeoutMs: 5_000) { () -> Set<Int32>? in
                let children = ProcessTable.children(of: pid)
                return children.count == 2 && children.isDisjoint(with: pair) ? children : nil
            }
            let newPair = try #require(fresh)
            let answeringAfterReload = HealthProbe.answeringPIDs(port: port, count: 50, candidates: newPair)
            #expect(!answeringAfterReload.isEmpty && answeringAfterReload.isSubset(of: newPair))
            await notify.stop()
        }
    }
}

/// `posix_spawn` with a given fd 3, from a thread with no blocked signals.
enum Spawn {
    static func run(_ path: String, _ arguments: [String], environment: [String: String], fd3: Int32, stderrPath: String) throws -> pid_t {
        let result = SpawnResult()
        try SignalMask.runWithDefaultMask {
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_adddup2(&actions, fd3, 3)
            posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            let argv = ([path] + arguments).map { strdup($0) } + [nil]
            let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                argv.forEach { free($0) }
                envp.forEach { free($0) }
            }
            var pid: pid_t = 0
            let status = posix_spawn(&pid, path, &actions, nil, argv, envp)
            guard status == 0 else { throw TestFailure("posix_spawn \(path): \(String(cString: strerror(status)))") }
            result.pid = pid
        }
        return result.pid
    }

    /// `@unchecked Sendable`: written by the spawning thread before the caller reads it.
    private final class SpawnResult: @unchecked Sendable {
        var pid: pid_t = 0
    }
}
