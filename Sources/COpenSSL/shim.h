// The system OpenSSL (Debian: libssl-dev) for the upstream transport's TLS.
// Several of the calls we need are macros over SSL_ctrl / SSL_CTX_ctrl or
// expand to 64-bit option constants, which Swift cannot import: these inline
// wrappers pass exactly what the documented macros would.
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <arpa/inet.h>

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

// Server side (--web.config.file)

/// SSL_CTX_set_min_proto_version / SSL_CTX_set_max_proto_version: 1 on success.
static inline int copenssl_ctx_set_versions(SSL_CTX *ctx, int min, int max) {
    return SSL_CTX_set_min_proto_version(ctx, min) == 1 && SSL_CTX_set_max_proto_version(ctx, max) == 1;
}

/// SSL_CTX_set1_groups_list(ctx, list): 1 on success.
static inline int copenssl_ctx_set_groups(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_groups_list(ctx, list);
}

/// The server's options: as the client's, plus partial writes (the server
/// writes from its own retry loop) and no renegotiation a client could start.
static inline void copenssl_ctx_configure_server(SSL_CTX *ctx) {
    copenssl_ctx_configure(ctx);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
}

/// Accepts whatever certificate the client sent (Go's RequestClientCert and
/// RequireAnyClientCert do not verify it).
static int copenssl_accept_any_certificate(int preverified, X509_STORE_CTX *store) {
    (void)preverified; (void)store;
    return 1;
}

/// SSL_CTX_set_verify with the mode of Go's tls.ClientAuthType:
/// `request` asks for a certificate, `require` fails without one, `verify`
/// checks it against the trust store (else any certificate is taken).
static inline void copenssl_ctx_client_auth(SSL_CTX *ctx, int request, int require, int verify) {
    if (!request) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        return;
    }
    int mode = SSL_VERIFY_PEER | (require ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
    SSL_CTX_set_verify(ctx, mode, verify ? NULL : copenssl_accept_any_certificate);
    // A client certificate must be meant for clients (Go checks ExtKeyUsageClientAuth).
    SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
}

/// The certificate chain (leaf first) and the private key from PEM in
/// memory, checked against each other: 1 on success.
static inline int copenssl_ctx_use_pem(SSL_CTX *ctx, const char *cert, int cert_length, const char *key, int key_length) {
    int ok = 0;
    BIO *bio = BIO_new_mem_buf(cert, cert_length);
    X509 *leaf = bio ? PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL) : NULL;
    if (leaf && SSL_CTX_use_certificate(ctx, leaf) == 1 && SSL_CTX_clear_chain_certs(ctx) == 1) {
        ok = 1;
        X509 *next;
        while ((next = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
            if (SSL_CTX_add0_chain_cert(ctx, next) != 1) { X509_free(next); ok = 0; break; }
        }
        ERR_clear_error();  // the end of the PEM is reported as an error
    }
    X509_free(leaf);
    BIO_free(bio);
    if (!ok) return 0;
    bio = BIO_new_mem_buf(key, key_length);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    ok = pkey && SSL_CTX_use_PrivateKey(ctx, pkey) == 1 && SSL_CTX_check_private_key(ctx) == 1;
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    return ok;
}

/// Trusts the PEM certificates in memory for client certificates and names
/// them in the certificate request: the number loaded (0: none or bad PEM).
static inline int copenssl_ctx_use_client_ca(SSL_CTX *ctx, const char *pem, int length) {
    BIO *bio = BIO_new_mem_buf(pem, length);
    if (!bio) return 0;
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
    int count = 0;
    X509 *cert;
    while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (X509_STORE_add_cert(store, cert) == 1) {
            count++;
            X509_NAME *name = X509_NAME_dup(X509_get_subject_name(cert));
            if (name && names) sk_X509_NAME_push(names, name);
        }
        X509_free(cert);
    }
    ERR_clear_error();
    BIO_free(bio);
    if (names) SSL_CTX_set_client_CA_list(ctx, names);
    return count;
}

/// Whether the peer's certificate carries `name` as one of its DNS, e-mail,
/// URI or IP subject alternative names, compared exactly (IP addresses in
/// their text form), as exporter-toolkit's client_allowed_sans.
static inline int copenssl_peer_has_san(SSL *ssl, const char *name) {
    X509 *peer = SSL_get1_peer_certificate(ssl);
    if (!peer) return 0;
    GENERAL_NAMES *sans = X509_get_ext_d2i(peer, NID_subject_alt_name, NULL, NULL);
    int found = 0;
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans) && !found; i++) {
        const GENERAL_NAME *san = sk_GENERAL_NAME_value(sans, i);
        if (san->type == GEN_DNS || san->type == GEN_EMAIL || san->type == GEN_URI) {
            const ASN1_IA5STRING *text = san->d.ia5;
            found = (size_t)text->length == strlen(name) && memcmp(text->data, name, text->length) == 0;
        } else if (san->type == GEN_IPADD) {
            char text[INET6_ADDRSTRLEN];
            int length = san->d.ip->length;
            int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : 0;
            found = family && inet_ntop(family, san->d.ip->data, text, sizeof text) && strcmp(text, name) == 0;
        }
    }
    GENERAL_NAMES_free(sans);
    X509_free(peer);
    return found;
}

/// Whether the last handshake failure was a plain-HTTP request on the TLS port.
static inline int copenssl_error_is_http_request(unsigned long code) {
    return ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) == SSL_R_HTTP_REQUEST;
}
#endif
