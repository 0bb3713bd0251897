@testable import Supervisor
import Logging
import Testing

/// The little the loop adds between the machine and the outside world.
@Suite("Supervisor loop glue")
struct LoopGlueTests {
    @Test("notifications become the sd_notify datagrams systemd expects")
    func datagrams() {
        #expect(SystemdNotification.ready(status: "2 workers").datagram == "READY=1\nSTATUS=2 workers")
        #expect(SystemdNotification.stopping(status: "stopping: 1 worker").datagram == "STOPPING=1\nSTATUS=stopping: 1 worker")
        #expect(SystemdNotification.status("x").datagram == "STATUS=x")
        #expect(SystemdNotification.watchdog.datagram == "WATCHDOG=1")
        let reloading = SystemdNotification.reloading.datagram
        #expect(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
        #expect(UInt64(reloading.split(separator: "=").last ?? "") ?? 0 > 0)
    }

    @Test("the machine's timings come from the options; the watchdog pings at half systemd's interval")
    func configuration() {
        var options = SupervisorOptions(logger: Logger(label: "test")) { .test() }
        options.killGraceMs = 1_500
        options.drainKillGraceMs = 700
        options.statusIntervalMs = 3_000
        options.reloadReadyTimeoutMs = 9_000
        options.readerProgressMarginMs = 400
        options.restartBackoff = RestartBackoff(initialDelayMs: 1, maxDelayMs: 2, stableAfterMs: 3)
        let configuration = SupervisorStateMachine.Configuration(options: options, watchdogIntervalUs: 10_000_000)
        #expect(configuration == SupervisorStateMachine.Configuration(
            killGraceMs: 1_500, drainKillGraceMs: 700, statusIntervalMs: 3_000, reloadReadyTimeoutMs: 9_000,
            readerProgressMarginMs: 400, restartBackoff: RestartBackoff(initialDelayMs: 1, maxDelayMs: 2, stableAfterMs: 3),
            watchdogIntervalMs: 5_000))
        #expect(SupervisorStateMachine.Configuration(options: options, watchdogIntervalUs: nil).watchdogIntervalMs == nil)
        #expect(SupervisorStateMachine.Configuration(options: options, watchdogIntervalUs: 1).watchdogIntervalMs == 1)
    }
}
