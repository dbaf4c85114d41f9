// The system OpenSSL (Debian: libssl-dev) for the upstream transport's TLS.
// Several of the calls we need are macros over SSL_ctrl / SSL_CTX_ctrl or
// expand to 64-bit option constants, which Swift cannot import: these inline
// wrappers pass exactly what the documented macros would.
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

/// The library's one-time initialisation with its error texts (idempotent
/// and thread-safe since OpenSSL 1.1.0): 1 on success.
static inline int copenssl_init(void) {
    return OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL);
}

/// SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION): 1 on success.
static inline int copenssl_ctx_require_tls12(SSL_CTX *ctx) {
    return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

/// The context's options and modes (SSL_CTX_set_options / SSL_CTX_set_mode):
/// - a peer that closes without close_notify is an end of stream (OpenSSL 3
///   otherwise reports an error): framing (Content-Length, chunked) is what
///   tells a complete answer from a truncated one, as in every HTTP client;
/// - a write retried after WANT_WRITE may pass a moved buffer (Swift arrays
///   promise no stable address across calls).
static inline void copenssl_ctx_configure(SSL_CTX *ctx) {
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

/// SSL_set_tlsext_host_name(ssl, name): the SNI server name, 1 on success.
static inline int copenssl_set_sni(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}
#endif
