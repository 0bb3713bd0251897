import Events
import Foundation
import RedisStreams
import TestSupport
import Testing

/// TLS to a real `redis-server --tls-port`, with certificates made by the `openssl` command.
@Suite("TLS to a real redis-server", .serialized)
struct TLSTests {
    typealias PKI = TestPKI

    /// The error a connect to `endpoint` fails with.
    private func connectError(_ endpoint: RedisEndpoint) -> RedisError? {
        let connection = RedisConnection(endpoint: endpoint, responseTimeoutMs: 2_000)
        defer { connection.close() }
        do {
            try connection.connect()
            _ = try connection.command(["PING"])  // TLS 1.3 reports a refused client certificate only now.
            return nil
        } catch {
            return error
        }
    }

    @Test func eventsFlowOverTLS() throws {
        let pki = try PKI()
        let server = try RedisServer(tls: pki.serverTLS())
        let connection = try connected(server.endpoint)
        #expect(try connection.command(["PING"]) == .status("PONG"))
        // Larger than one TLS record, and pipelined: both directions carry many records.
        let big = String(repeating: "x", count: 100_000)
        let ids = try connection.xaddPipelined(stream: "full", entries: (0..<50).map { [StreamField(name: "data", value: "\($0)-\(big)")] })
        let read = try connection.xread(stream: "full", after: .zero, count: 100)
        #expect(read.map(\.id) == ids)
        #expect(read.last?.fields.first?.value == Array("49-\(big)".utf8))

        // The firehose reader, over TLS, from a blocked XREAD.
        let delivered = Recorder<StreamEntry>()
        let reader = FirehoseReader(
            endpoint: server.endpoint, stream: "full", startAfter: ids.last!, blockMs: 200, logger: .init(label: "t"),
            deliver: { delivered.append(contentsOf: $0) })
        reader.start()
        defer { reader.stop(); reader.join(timeoutMs: 5_000) }
        #expect(waitUntil { (try? someClientIsRunning("xread", on: server.endpoint)) == true })
        let live = try connection.xadd(stream: "full", fields: [StreamField(name: "data", value: "live")])
        #expect(delivered.wait(forCount: 1))
        #expect(delivered.snapshot.map(\.id) == [live])
    }

    @Test func aServerSignedByAnotherCAIsRefusedClearly() throws {
        let pki = try PKI()
        let stranger = try TestCertificateAuthority(name: "stranger-ca")
        let server = try RedisServer(tls: pki.serverTLS())
        var endpoint = server.endpoint
        endpoint.password = "never-shown-XYZ"
        endpoint.tls?.caFile = stranger.certFile
        let error = try #require(connectError(endpoint))
        guard case .tls(let message) = error else {
            Issue.record("expected a TLS error, got \(error)")
            return
        }
        #expect(message.contains("127.0.0.1:\(server.port)"))
        #expect(message.contains("not signed by the CA in \(stranger.certFile)"))
        #expect(message.contains("redis.tlsCaFile"))
        #expect(!"\(error)".contains("never-shown-XYZ"))
    }

    @Test func theSystemStoreDoesNotTrustATestCA() throws {
        let pki = try PKI()
        let server = try RedisServer(tls: pki.serverTLS())
        var endpoint = server.endpoint
        endpoint.tls?.caFile = nil
        let error = try #require(connectError(endpoint))
        #expect("\(error)".contains("not signed by the system's trusted CAs"))
    }

    @Test func aCertificateForAnotherNameIsRefusedUnlessHostnameValidationIsOff() throws {
        let pki = try PKI()
        let other = try pki.ca.issue("other", dnsNames: ["other.example"])
        let server = try RedisServer(tls: pki.serverTLS(certificate: other))  // Ready: it names other.example.
        var endpoint = server.endpoint
        endpoint.tls?.serverName = nil  // Verify 127.0.0.1, which the certificate does not carry.

        let error = try #require(connectError(endpoint))
        guard case .tls(let message) = error else {
            Issue.record("expected a TLS error, got \(error)")
            return
        }
        #expect(message.contains("not valid for 127.0.0.1"))
        #expect(message.contains("redis.tlsServerName"))
        #expect(message.contains("redis.validateHostname"))

        var byName = server.endpoint
        byName.target = .tcp(host: "localhost", port: server.port)
        byName.tls?.serverName = nil
        #expect("\(try #require(connectError(byName)))".contains("not valid for localhost"))

        // The chain is still verified without name validation: the right CA connects...
        var unchecked = endpoint
        unchecked.tls?.validateHostname = false
        #expect(connectError(unchecked) == nil)
        // ...and a wrong one is still refused.
        let stranger = try TestCertificateAuthority(name: "stranger-ca")
        unchecked.tls?.caFile = stranger.certFile
        #expect("\(try #require(connectError(unchecked)))".contains("not signed by"))

        // Or name the certificate's host explicitly (SNI and verification).
        var named = endpoint
        named.tls?.serverName = "other.example"
        #expect(connectError(named) == nil)
    }

    @Test func mutualTLS() throws {
        let pki = try PKI()
        let server = try RedisServer(tls: pki.serverTLS(requireClientCertificates: true))
        let connection = try connected(server.endpoint)
        #expect(try connection.command(["PING"]) == .status("PONG"))

        var anonymous = server.endpoint
        anonymous.tls?.certFile = nil
        anonymous.tls?.keyFile = nil
        let error = try #require(connectError(anonymous))
        #expect("\(error)".contains("client certificate"), "\(error)")

        // A certificate from a CA the server does not trust.
        let stranger = try TestCertificateAuthority(name: "stranger-ca")
        let foreign = try stranger.issue("intruder")
        var intruder = server.endpoint
        intruder.tls?.certFile = foreign.certFile
        intruder.tls?.keyFile = foreign.keyFile
        #expect(connectError(intruder) != nil)
    }

    @Test func aPlainServerIsNotMistakenForTLS() throws {
        let pki = try PKI()
        let plain = try RedisServer()
        var endpoint = plain.endpoint
        endpoint.tls = RedisTLSSettings(caFile: pki.ca.certFile)
        endpoint.connectTimeoutMs = 500  // Redis waits for a newline the ClientHello never sends.
        let error = try #require(connectError(endpoint))
        #expect("\(error)".contains("TLS handshake with 127.0.0.1:\(plain.port) failed"), "\(error)")
    }

    @Test func unusableFilesAreNamedWithTheirKeys() throws {
        let pki = try PKI()
        #expect(throws: Never.self) { try RedisTLSSettings(caFile: pki.ca.certFile).check() }
        #expect(throws: Never.self) { try RedisTLSSettings(caFile: pki.ca.directory.path).check() }  // A directory.
        #expect(throws: Never.self) {
            try RedisTLSSettings(caFile: pki.ca.certFile, certFile: pki.client.certFile, keyFile: pki.client.keyFile).check()
        }
        func message(_ settings: RedisTLSSettings) -> String {
            do {
                try settings.check()
                return ""
            } catch {
                return "\(error)"
            }
        }
        let missing = message(RedisTLSSettings(caFile: "/nonexistent/ca.pem"))
        #expect(missing.contains("/nonexistent/ca.pem") && missing.contains("redis.tlsCaFile") && missing.contains("No such file"))
        let notPEM = message(RedisTLSSettings(caFile: "/etc/hostname"))
        #expect(notPEM.contains("redis.tlsCaFile"))
        let otherKey = try pki.ca.issue("someone-else")
        let mismatch = message(RedisTLSSettings(certFile: pki.client.certFile, keyFile: otherKey.keyFile))
        #expect(mismatch.contains("does not belong to the certificate"), "\(mismatch)")
        let keyIsCert = message(RedisTLSSettings(certFile: pki.client.certFile, keyFile: pki.client.certFile))
        #expect(keyIsCert.contains("redis.tlsKeyFile"))
    }
}
