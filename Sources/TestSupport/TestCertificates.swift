import Foundation
import RedisStreams

/// A throw-away certificate authority made with the `openssl` command, in its own
/// temporary directory: a CA, and certificates it signs for servers and clients.
/// EC P-256 keys (fast to generate), valid for two days.
public final class TestCertificateAuthority: @unchecked Sendable {
    /// A certificate and its private key, as PEM files.
    public struct Issued: Sendable {
        public let certFile: String
        public let keyFile: String
    }

    public static let openssl = "/usr/bin/openssl"

    public let directory: URL
    public let name: String
    /// The CA certificate (PEM): what a client trusts.
    public let certFile: String
    private let keyFile: String

    public init(name: String = "test-ca") throws {
        guard FileManager.default.isExecutableFile(atPath: Self.openssl) else {
            throw RedisServerError.notInstalled(Self.openssl)
        }
        self.name = name
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("certs-\(name)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        certFile = directory.appendingPathComponent("ca.crt").path
        keyFile = directory.appendingPathComponent("ca.key").path
        try Self.run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", keyFile, "-out", certFile, "-days", "2", "-subj", "/CN=\(name)",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A certificate for `commonName`, valid for `dnsNames` and `ipAddresses` (its
    /// subjectAltName), usable by servers and clients.
    public func issue(_ commonName: String, dnsNames: [String] = [], ipAddresses: [String] = []) throws -> Issued {
        let base = directory.appendingPathComponent(commonName.replacingOccurrences(of: "/", with: "_")).path
        let alternativeNames = dnsNames.map { "DNS:\($0)" } + ipAddresses.map { "IP:\($0)" }
        var extensions = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n"
        if !alternativeNames.isEmpty {
            extensions += "subjectAltName=\(alternativeNames.joined(separator: ","))\n"
        }
        try extensions.write(toFile: base + ".ext", atomically: true, encoding: .utf8)
        try Self.run([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", base + ".key", "-out", base + ".csr", "-subj", "/CN=\(commonName)",
        ])
        try Self.run([
            "x509", "-req", "-in", base + ".csr", "-CA", certFile, "-CAkey", keyFile, "-CAcreateserial",
            "-out", base + ".crt", "-days", "2", "-extfile", base + ".ext",
        ])
        return Issued(certFile: base + ".crt", keyFile: base + ".key")
    }

    /// Runs `openssl` with `arguments`; throws with its output when it fails.
    private static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()  // EOF when openssl exits.
        guard RedisServer.waitForExit(process, timeoutMs: 30_000), process.terminationStatus == 0 else {
            throw RedisServerError.launch("openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(String(decoding: text, as: UTF8.self))")
        }
    }
}

/// What a TLS test needs: a CA, a server certificate for `localhost` and 127.0.0.1, and
/// a client certificate, all signed by that CA.
public struct TestPKI: Sendable {
    public let ca: TestCertificateAuthority
    public let server: TestCertificateAuthority.Issued
    public let client: TestCertificateAuthority.Issued

    public init() throws {
        ca = try TestCertificateAuthority(name: "redis-ca")
        server = try ca.issue("redis-server", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
        client = try ca.issue("superset-websocket")
    }

    /// The options of a TLS-only `RedisServer` presenting `certificate` (default: the
    /// server certificate; another one is checked against the name "other.example").
    public func serverTLS(
        requireClientCertificates: Bool = false, certificate: TestCertificateAuthority.Issued? = nil
    ) -> RedisServer.TLS {
        let certificate = certificate ?? server
        return RedisServer.TLS(
            certFile: certificate.certFile, keyFile: certificate.keyFile, caFile: ca.certFile,
            requireClientCertificates: requireClientCertificates,
            client: RedisTLSSettings(
                caFile: ca.certFile,
                certFile: requireClientCertificates ? client.certFile : nil,
                keyFile: requireClientCertificates ? client.keyFile : nil,
                serverName: certificate.certFile == server.certFile ? nil : "other.example"))
    }
}
