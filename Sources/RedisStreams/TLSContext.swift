import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An OpenSSL client context built from `RedisTLSSettings`: TLS 1.2 or newer, peer
/// verification always on, the CA file or directory (or the system store), and the
/// client certificate and key for mutual TLS.
///
/// Errors name the file and the configuration key, never a secret (the files'
/// contents are never echoed).
final class TLSContext {
    let pointer: OpaquePointer

    init(_ settings: RedisTLSSettings) throws(RedisError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw .tls("cannot create an OpenSSL context: \(TLSContext.takeErrors())")
        }
        pointer = context
        c_openssl_ctx_refuse_passphrases(context)
        guard c_openssl_ctx_set_min_tls12(context) == 1 else {
            throw .tls("cannot require TLS 1.2: \(TLSContext.takeErrors())")
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        try loadTrust(settings.caFile)
        if let certFile = settings.certFile {
            try loadIdentity(certFile: certFile, keyFile: settings.keyFile ?? certFile)
        } else if let keyFile = settings.keyFile {
            throw .tls("the client key \(keyFile) (redis.tlsKeyFile) needs a client certificate (redis.tlsCertFile)")
        }
    }

    deinit {
        SSL_CTX_free(pointer)
    }

    private func loadTrust(_ caFile: String?) throws(RedisError) {
        guard let caFile else {
            guard SSL_CTX_set_default_verify_paths(pointer) == 1 else {
                throw .tls("cannot load the system's trusted CA certificates: \(TLSContext.takeErrors())")
            }
            return
        }
        try Self.requireReadable(caFile, what: "CA file", key: "redis.tlsCaFile")
        let loaded = Self.isDirectory(caFile)
            ? SSL_CTX_load_verify_locations(pointer, nil, caFile)
            : SSL_CTX_load_verify_locations(pointer, caFile, nil)
        guard loaded == 1 else {
            throw .tls("cannot load CA certificates from \(caFile) (redis.tlsCaFile): \(TLSContext.takeErrors())")
        }
    }

    private func loadIdentity(certFile: String, keyFile: String) throws(RedisError) {
        try Self.requireReadable(certFile, what: "client certificate", key: "redis.tlsCertFile")
        try Self.requireReadable(keyFile, what: "client key", key: "redis.tlsKeyFile")
        guard SSL_CTX_use_certificate_chain_file(pointer, certFile) == 1 else {
            throw .tls("cannot load the client certificate \(certFile) (redis.tlsCertFile): \(TLSContext.takeErrors())")
        }
        guard SSL_CTX_use_PrivateKey_file(pointer, keyFile, SSL_FILETYPE_PEM) == 1 else {
            let reason = TLSContext.takeErrors()
            if reason.contains("key values mismatch") {
                throw .tls("the client key \(keyFile) (redis.tlsKeyFile) does not belong to the certificate \(certFile) (redis.tlsCertFile)")
            }
            throw .tls("cannot load the client key \(keyFile) (redis.tlsKeyFile; PEM, unencrypted): \(reason)")
        }
        guard SSL_CTX_check_private_key(pointer) == 1 else {
            throw .tls("the client key \(keyFile) (redis.tlsKeyFile) does not belong to the certificate \(certFile) (redis.tlsCertFile)")
        }
    }

    private static func requireReadable(_ path: String, what: String, key: String) throws(RedisError) {
        guard access(path, R_OK) == 0 else {
            throw .tls("cannot read the \(what) \(path) (\(key)): \(String(cString: strerror(errno)))")
        }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Empties this thread's OpenSSL error queue into one line (the reasons, most recent last).
    static func takeErrors() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if let reason = ERR_reason_error_string(code) {
                reasons.append(String(cString: reason))
            } else {
                var buffer = [CChar](repeating: 0, count: 256)
                ERR_error_string_n(code, &buffer, buffer.count)
                let text = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
                reasons.append(String(decoding: text, as: UTF8.self))
            }
        }
        return reasons.isEmpty ? "unknown OpenSSL error" : reasons.joined(separator: "; ")
    }
}
