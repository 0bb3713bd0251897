import CoreMetrics
import Foundation
import Glibc
import IPC
import Logging
import Testing

@testable import ServiceMetrics

@Suite struct StatsDFormatTests {
    @Test func linesCarryPrefixTypeRateAndDogStatsDTags() {
        let format = StatsDFormat(prefix: "superset.", tags: ["env:prod", "app:ws"])
        #expect(format.counter("ws_connected_client", 3) == "superset.ws_connected_client:3|c|#env:prod,app:ws")
        #expect(format.gauge("ws_connections", 12) == "superset.ws_connections:12|g|#env:prod,app:ws")
        #expect(format.timer("ws_delivery_latency", milliseconds: 1.5, sampleRate: 0.25) == "superset.ws_delivery_latency:1.5|ms|@0.25|#env:prod,app:ws")
        #expect(StatsDFormat().counter("x", 1) == "x:1|c")
        #expect(StatsDFormat().timer("t", milliseconds: 2, sampleRate: 1) == "t:2|ms")
    }

    @Test func datagramsStayUnderTheSafeSize() {
        let lines = (0..<500).map { "ws_metric_number_\($0):\($0)|c|#env:prod" }
        let datagrams = StatsDPacketizer.datagrams(lines)
        #expect(datagrams.allSatisfy { $0.count <= StatsDPacketizer.safeDatagramBytes })
        let rejoined = datagrams.flatMap { String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init) }
        #expect(rejoined == lines, "every line exactly once, in order")
    }
}

@Suite struct StatsDReportTests {
    @Test func countersAreSentAsIncreasesNeverTwice() {
        var report = StatsDReport(format: StatsDFormat())
        #expect(report.lines(for: MetricsTotals(counters: ["a": 5])) == ["a:5|c"])
        #expect(report.lines(for: MetricsTotals(counters: ["a": 5])) == [], "no change, nothing sent")
        #expect(report.lines(for: MetricsTotals(counters: ["a": 8, "b": 1])) == ["a:3|c", "b:1|c"])
    }

    @Test func gaugesAreSentEveryFlush() {
        var report = StatsDReport(format: StatsDFormat())
        let totals = MetricsTotals(gauges: ["ws_connections": 4])
        #expect(report.lines(for: totals) == ["ws_connections:4|g"])
        #expect(report.lines(for: totals) == ["ws_connections:4|g"])
    }

    @Test func timerSamplesCarryTheirSampleRate() {
        var report = StatsDReport(format: StatsDFormat())
        let lines = report.lines(for: MetricsTotals(timers: ["lat": TimerSamples(count: 4, valuesMs: [1, 2])]))
        #expect(lines == ["lat:1|ms|@0.5", "lat:2|ms|@0.5"])
    }
}

@Suite struct WorkerMetricsTests {
    @Test func swiftMetricsCountersLandInTheBackend() {
        let backend = WorkerMetrics()
        let counter = Counter(label: "ws_connected_client", factory: backend)
        counter.increment()
        counter.increment(by: 4)
        Counter(label: "ws_connected_client", factory: backend).increment()
        #expect(backend.counter("ws_connected_client") == 6, "same label, same counter")
        Gauge(label: "g", factory: backend).record(7)
        #expect(backend.gaugeValues()["g"] == 7)
    }

    @Test func timersAreSampledAndDrained() {
        let backend = WorkerMetrics()
        let timer = CoreMetrics.Timer(label: "lat", factory: backend)
        for ms in 0..<1000 { timer.recordMilliseconds(Int64(ms)) }
        let drained = backend.drainTimers()["lat"]!
        #expect(drained.count == 1000)
        #expect(drained.valuesMs.count == WorkerMetrics.timerCapacity)
        #expect(drained.valuesMs.allSatisfy { (0..<1000).contains(Int($0)) })
        #expect(backend.drainTimers().isEmpty, "a drain starts a new interval")
    }
}

@Suite struct StatsDSenderTests {
    @Test func sendsToARealUDPListener() throws {
        let listener = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let sender = StatsDSender(host: "127.0.0.1", port: Int(UInt16(bigEndian: address.sin_port)), logger: Logger(label: "test"))
        sender.send([Array("a:1|c".utf8)])
        var buffer = [UInt8](repeating: 0, count: 2048)
        let n = recv(listener, &buffer, buffer.count, 0)
        #expect(n > 0 && String(decoding: buffer[..<n], as: UTF8.self) == "a:1|c")
        #expect(sender.errors == 0)
    }

    @Test func anUnresolvableHostIsCountedNotFatal() {
        let sender = StatsDSender(host: "statsd.invalid", port: 8125, logger: Logger(label: "test"))
        sender.send([Array("a:1|c".utf8)])
        sender.send([Array("a:1|c".utf8)])
        #expect(sender.errors == 2)
        #expect(sender.datagramsSent == 0)
    }
}
