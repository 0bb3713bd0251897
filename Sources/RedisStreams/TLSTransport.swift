import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// TLS over another transport (our TCP socket), with OpenSSL doing only the protocol.
///
/// OpenSSL reads and writes a memory BIO pair; this class moves the ciphertext between
/// that pair and the inner transport. So every wait still goes through the inner
/// transport's `poll` (deadlines and the interrupter keep working), OpenSSL never
/// touches the socket (no `SIGPIPE`, no blocking inside OpenSSL), and hiredis's reader
/// above sees plain RESP.
final class TLSTransport: RedisTransport {
    private let inner: any RedisTransport
    private let peer: String
    private var ssl: OpaquePointer?
    /// Our end of the BIO pair: ciphertext to send is read from it, received ciphertext written to it.
    private var network: OpaquePointer?
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 32 * 1024, alignment: 8)

    private init(inner: any RedisTransport, peer: String) {
        self.inner = inner
        self.peer = peer
    }

    deinit {
        close()
        buffer.deallocate()
    }

    /// Runs the TLS handshake over `inner` (already connected to `host`) by `deadline`.
    /// On failure `inner` is closed and the error says why in an operator's terms.
    static func handshake(
        over inner: any RedisTransport, host: String, peer: String, settings: RedisTLSSettings, deadline: Deadline
    ) throws(RedisError) -> TLSTransport {
        let transport = TLSTransport(inner: inner, peer: peer)
        do {
            try transport.setUp(host: host, settings: settings)
            try transport.drive(deadline: deadline) { ssl in SSL_connect(ssl) }
        } catch {
            let explained = transport.explain(error, settings: settings, host: host)  // Reads the session: before close.
            transport.close()
            throw explained
        }
        return transport
    }

    private func setUp(host: String, settings: RedisTLSSettings) throws(RedisError) {
        let context = try TLSContext(settings)
        guard let ssl = SSL_new(context.pointer) else {
            throw .tls("cannot create a TLS session: \(TLSContext.takeErrors())")
        }
        self.ssl = ssl  // SSL_new took its own reference to the context.
        var internalBIO: OpaquePointer?
        var networkBIO: OpaquePointer?
        guard BIO_new_bio_pair(&internalBIO, 64 * 1024, &networkBIO, 64 * 1024) == 1, let internalBIO, let networkBIO else {
            throw .tls("cannot create a TLS buffer: \(TLSContext.takeErrors())")
        }
        SSL_set_bio(ssl, internalBIO, internalBIO)
        network = networkBIO
        c_openssl_set_partial_writes(ssl)

        let name = settings.serverName ?? host
        let nameIsAddress = Self.isIPAddress(name)
        if !nameIsAddress {
            // SNI carries names only (RFC 6066), never an IP literal.
            guard c_openssl_set_sni(ssl, name) == 1 else {
                throw .tls("cannot set the TLS server name \(name): \(TLSContext.takeErrors())")
            }
        }
        if settings.validateHostname {
            let accepted = nameIsAddress
                ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name)
                : SSL_set1_host(ssl, name)
            guard accepted == 1 else {
                throw .tls("cannot verify the name \(name): \(TLSContext.takeErrors())")
            }
            SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
        }
    }

    // MARK: - RedisTransport

    func write(_ bytes: [UInt8], deadline: Deadline) throws(RedisError) {
        var offset = 0
        while offset < bytes.count {
            // `withUnsafeBytes` only rethrows untyped errors: carry the typed one out in a Result.
            let outcome = bytes.withUnsafeBytes { raw -> Result<Int32, RedisError> in
                let base = raw.baseAddress! + offset
                let count = Int32(clamping: raw.count - offset)
                return Result { () throws(RedisError) in
                    try explained { () throws(RedisError) in try drive(deadline: deadline) { ssl in SSL_write(ssl, base, count) } }
                }
            }
            offset += Int(try outcome.get())
        }
    }

    func read(into target: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(RedisError) -> Int {
        let count = Int32(clamping: target.count)
        return Int(try explained { () throws(RedisError) in try drive(deadline: deadline) { ssl in SSL_read(ssl, target.baseAddress, count) } })
    }

    /// Adds the peer, and a hint where one helps, to TLS errors after the handshake
    /// (with TLS 1.3 a refused client certificate is only reported then).
    private func explained(_ body: () throws(RedisError) -> Int32) throws(RedisError) -> Int32 {
        do {
            return try body()
        } catch {
            var failure = error
            // A peer that refused us sends an alert, then closes; a write may hit the
            // reset before a read would have seen the alert. Look for it.
            if case .connection = failure, let alert = receivedAlert() { failure = alert }
            guard case .tls(let reason) = failure else { throw failure }
            var message = "TLS connection with \(peer) failed: \(reason)"
            if reason.contains("certificate required") || reason.contains("unknown ca") || reason.contains("bad certificate") {
                message += " (the server refused our client certificate, or needs one: redis.tlsCertFile, redis.tlsKeyFile)"
            }
            throw .tls(message)
        }
    }

    /// The TLS error in what the peer already sent, if any (without waiting).
    private func receivedAlert() -> RedisError? {
        guard let ssl else { return nil }
        var scratch = [UInt8](repeating: 0, count: 512)
        let count = Int32(scratch.count)
        do {
            _ = try scratch.withUnsafeMutableBytes { raw -> Result<Int32, RedisError> in
                Result { () throws(RedisError) in
                    try drive(deadline: .after(milliseconds: 0)) { _ in SSL_read(ssl, raw.baseAddress, count) }
                }
            }.get()
        } catch .tls(let reason) {
            return .tls(reason)
        } catch {
            return nil
        }
        return nil
    }

    func close() {
        if let ssl {
            // A close_notify if it fits; no waiting for the peer's.
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
            try? flushOutgoing(deadline: .after(milliseconds: 0))
            SSL_free(ssl)  // Frees the internal BIO too.
            self.ssl = nil
        }
        if let network {
            BIO_free(network)
            self.network = nil
        }
        inner.close()
    }

    // MARK: - Moving ciphertext

    /// Calls `operation` until it makes progress (returns > 0), sending what OpenSSL
    /// produced and feeding it what the peer sent in between.
    @discardableResult
    private func drive(deadline: Deadline, _ operation: (OpaquePointer) -> Int32) throws(RedisError) -> Int32 {
        while true {
            guard let ssl else { throw .connection("not connected") }
            ERR_clear_error()
            let result = operation(ssl)
            let error = result > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl, result)
            // Whatever the outcome, send what OpenSSL wrote (handshake records, alerts, data).
            try flushOutgoing(deadline: deadline)
            switch error {
            case SSL_ERROR_NONE:
                return result
            case SSL_ERROR_WANT_READ:
                try fillIncoming(deadline: deadline)
            case SSL_ERROR_WANT_WRITE:
                continue
            case SSL_ERROR_ZERO_RETURN:
                throw .connection("\(peer) closed the TLS connection")
            default:
                throw .tls(TLSContext.takeErrors())
            }
        }
    }

    private func flushOutgoing(deadline: Deadline) throws(RedisError) {
        guard let network else { return }
        while BIO_ctrl_pending(network) > 0 {
            let count = BIO_read(network, buffer.baseAddress, Int32(buffer.count))
            guard count > 0 else { return }
            try inner.write(Array(UnsafeRawBufferPointer(rebasing: buffer[..<Int(count)])), deadline: deadline)
        }
    }

    private func fillIncoming(deadline: Deadline) throws(RedisError) {
        guard let network else { throw .connection("not connected") }
        let room = min(buffer.count, Int(BIO_ctrl_get_write_guarantee(network)))
        guard room > 0 else { return }  // OpenSSL has unread ciphertext: let it consume first.
        let received = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<room]), deadline: deadline)
        let fed = BIO_write(network, buffer.baseAddress, Int32(received))
        guard fed == Int32(received) else { throw .tls("the TLS buffer refused received data") }
    }

    // MARK: - Errors an operator can act on

    private func explain(_ error: RedisError, settings: RedisTLSSettings, host: String) -> RedisError {
        let prefix = "TLS handshake with \(peer) failed"
        let verifyResult = ssl.map { SSL_get_verify_result($0) } ?? Int(X509_V_OK)
        if verifyResult != Int(X509_V_OK) {
            let reason = String(cString: X509_verify_cert_error_string(verifyResult))
            let name = settings.serverName ?? host
            switch Int32(verifyResult) {
            case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
                return .tls("\(prefix): the server's certificate is not valid for \(name) (\(reason)); set redis.tlsServerName to a name the certificate carries, or redis.validateHostname to false")
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
                 X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
                 X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_CERT_SIGNATURE_FAILURE:
                let trust = settings.caFile.map { "the CA in \($0) (redis.tlsCaFile)" } ?? "the system's trusted CAs (set redis.tlsCaFile)"
                return .tls("\(prefix): the server's certificate is not signed by \(trust): \(reason)")
            default:
                return .tls("\(prefix): the server's certificate was refused: \(reason)")
            }
        }
        switch error {
        case .tls(let reason) where reason.contains("wrong version number") || reason.contains("packet length too long"):
            return .tls("\(prefix): \(reason) (is TLS enabled on that port?)")
        case .tls(let reason) where reason.contains("certificate required") || reason.contains("handshake failure"):
            return .tls("\(prefix): \(reason) (does the server require a client certificate? redis.tlsCertFile, redis.tlsKeyFile)")
        case .tls(let reason):
            return .tls(reason.hasPrefix("cannot ") || reason.hasPrefix("the client") ? reason : "\(prefix): \(reason)")
        case .connection(let reason):
            return .connection("\(prefix): \(reason)")
        case .timeout:
            return .connection("\(prefix): timed out")
        default:
            return error
        }
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
