import Foundation
import Glibc
import Testing
import TestSupport

@Suite struct ProcessHelpersTests {
    static func temporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "test-support-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func aChildsExitIsAwaitedWithItsStatus() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let child = try ChildProcess(
            name: "sh", executable: "/bin/sh", arguments: ["-c", "echo to-stderr >&2; exit 7"], logPath: directory + "/sh.log")
        #expect(await child.exit(within: .seconds(10)) == 7)
        #expect(!child.isRunning)
        #expect(child.log == "to-stderr\n")
    }

    @Test func aChildThatRunsOnIsNotReportedExitedAndStopEndsIt() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let child = try ChildProcess(name: "sleep", executable: "/bin/sleep", arguments: ["30"], logPath: directory + "/sleep.log")
        #expect(await child.exit(within: .milliseconds(200)) == nil)
        #expect(child.isRunning && ProcessTable.isAlive(child.pid))
        child.stop(graceSeconds: 5)
        #expect(child.exitStatus == SIGTERM)
        #expect(!ProcessTable.isAlive(child.pid))
    }

    @Test func theProcessTableSeesChildrenByCommandLine() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A shell with two children, one of them recognisable by an argument.
        let child = try ChildProcess(
            name: "sh", executable: "/bin/sh", arguments: ["-c", "sleep 30 & sleep 31 & wait"], logPath: directory + "/sh.log")
        defer { child.stop(graceSeconds: 1) }
        let both = await eventually(timeoutMs: 5_000) { () -> Set<Int32>? in
            let children = ProcessTable.children(of: child.pid)
            return children.count == 2 ? children : nil
        }
        let children = try #require(both)
        let thirtyOne = ProcessTable.children(of: child.pid, running: "31")
        #expect(thirtyOne.count == 1 && thirtyOne.isSubset(of: children))
        #expect(ProcessTable.commandLine(of: thirtyOne.first!) == ["sleep", "31"])
        #expect(Set(ProcessTable.tree(child.pid)) == children.union([child.pid]))
        for pid in children { kill(pid, SIGKILL) }
    }

    @Test func theNotifySocketRecordsDatagramsAndWakesAWaiter() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let notify = try NotifySocket(directory: directory)
        defer { notify.stop() }
        // What sd_notify(3) does: one datagram to the socket's path, from another thread.
        let path = notify.path
        let sender = Thread {
            Self.send("STATUS=starting", to: path)
            usleep(200_000)
            Self.send("READY=1\nSTATUS=2 workers", to: path)
        }
        sender.start()
        let ready = notify.waitFor("READY", value: "1", seconds: 10, alive: { true })
        #expect(ready?.fields == ["READY": "1", "STATUS": "2 workers"])
        #expect(notify.datagrams.map(\.text) == ["STATUS=starting", "READY=1\nSTATUS=2 workers"])
        // Nothing more comes: a waiter for another key times out.
        #expect(notify.waitFor("STOPPING", seconds: 0.3, alive: { true }) == nil)
    }

    static func send(_ text: String, to path: String) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (offset, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[offset] = byte }
        }
        let bytes = Array(text.utf8)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }
}
