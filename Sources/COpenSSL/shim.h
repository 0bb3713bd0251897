#ifndef C_OPENSSL_SHIM_H
#define C_OPENSSL_SHIM_H

// OpenSSL (libssl-dev) for TLS to Redis: only the handshake and record layer run in
// OpenSSL, over a memory BIO pair; the socket I/O stays ours (RedisStreams).
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

// Function forms of the OpenSSL macros Swift cannot call.

static inline int c_openssl_ctx_set_min_tls12(SSL_CTX *context) {
    return (int)SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}

static inline int c_openssl_set_sni(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

static inline void c_openssl_set_partial_writes(SSL *ssl) {
    SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

// A passphrase callback that never prompts (OpenSSL's default would read the terminal).
static inline int c_openssl_no_passphrase(char *buffer, int size, int rwflag, void *user) {
    (void)buffer; (void)size; (void)rwflag; (void)user;
    return 0;
}

static inline void c_openssl_ctx_refuse_passphrases(SSL_CTX *context) {
    SSL_CTX_set_default_passwd_cb(context, c_openssl_no_passphrase);
}

#endif
