import BalanceSockets
import BalanceSupport
import COpenSSL
import Glibc

/// The process-wide OpenSSL setup, done on the first https request (a
/// Swift static `let` is initialised once, thread-safely, on first use), so
/// an exporter that only talks plain http never initialises the library.
enum OpenSSLLibrary {
    static let ready: Bool = {
        // OpenSSL writes to the socket with write(2), not send(..., MSG_NOSIGNAL):
        // an upstream that closes first must give EPIPE, not kill the process.
        Socket.ignoreSIGPIPE()
        return copenssl_init() == 1
    }()
}

/// One `SSL_CTX`: the trust store and the protocol rules shared by every
/// connection of one transport. Loading the CA bundle is the expensive part,
/// so it happens once, not per request.
final class TLSContext: @unchecked Sendable {
    // @unchecked: an SSL_CTX is configured here and never changed afterwards;
    // OpenSSL allows creating connections from it on any thread (openssl-threads(7)).
    let pointer: OpaquePointer

    /// Peer verification on, TLS 1.2 at least, trusting `caFile` (a PEM
    /// bundle) instead of the system's default verify paths when given.
    /// `verifyPeer: false` only for the health check's probe of our own port.
    init(caFile: String?, verifyPeer: Bool = true) throws(TransportError) {
        guard OpenSSLLibrary.ready, let method = TLS_client_method(), let context = SSL_CTX_new(method) else {
            throw .tls("TLS setup failed")
        }
        pointer = context
        guard copenssl_ctx_require_tls12(context) == 1 else { throw .tls("TLS setup failed") }
        copenssl_ctx_configure(context)
        guard verifyPeer else {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
            return
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        let loaded = caFile.map { SSL_CTX_load_verify_locations(context, $0, nil) } ?? Self.loadSystemTrust(context)
        guard loaded == 1 else { throw .tls("TLS setup failed: CA certificates not loaded") }
    }

    /// Bundles of the common distributions, as Go's crypto/x509 knows them.
    static let knownBundles = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"]

    /// OpenSSL's default verify paths (`SSL_CERT_FILE` / `SSL_CERT_DIR`, else
    /// its OPENSSLDIR). On Debian those are symlinks shipped by the `openssl`
    /// package, not by `libssl3`: an image with the library and a CA bundle
    /// but without them (hand-assembled, distroless-style) would trust
    /// nothing, so when the default file is missing the bundle is loaded directly.
    private static func loadSystemTrust(_ context: OpaquePointer) -> Int32 {
        guard SSL_CTX_set_default_verify_paths(context) == 1 else { return 0 }
        let environment = getenv(String(cString: X509_get_default_cert_file_env())).map { String(cString: $0) }
        let defaultFile = environment ?? String(cString: X509_get_default_cert_file())
        guard access(defaultFile, R_OK) != 0, let bundle = knownBundles.first(where: { access($0, R_OK) == 0 }) else { return 1 }
        return SSL_CTX_load_verify_locations(context, bundle, nil)
    }

    deinit { SSL_CTX_free(pointer) }
}

/// TLS over one connected, non-blocking `UpstreamSocket`. OpenSSL's
/// WANT_READ / WANT_WRITE become polls bounded by the exchange's deadline.
/// The socket stays the caller's to close (SSL_set_fd does not own it).
final class TLSConnection: UpstreamStream {
    private let ssl: OpaquePointer
    private let transport: UpstreamSocket

    /// Sets up SNI and the name the certificate must carry, then shakes hands.
    init(over transport: UpstreamSocket, context: TLSContext, host: String, until deadline: Deadline) throws(TransportError) {
        guard let ssl = SSL_new(context.pointer) else { throw .tls("TLS setup failed") }
        self.ssl = ssl
        self.transport = transport
        guard SSL_set_fd(ssl, transport.socket.fd) == 1, Self.expectPeer(host, on: ssl) else {
            throw .tls("TLS setup failed")
        }
        try handshake(until: deadline)
    }

    deinit { SSL_free(ssl) }

    /// A name is sent as SNI and checked against the certificate's DNS names
    /// (no partial wildcards, as curl does); an address is not sent as SNI
    /// (RFC 6066 §3 forbids it) and must be one of the certificate's IP names.
    private static func expectPeer(_ host: String, on ssl: OpaquePointer) -> Bool {
        if SocketAddress(numericHost: host, port: 0) != nil {
            return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1
        }
        SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
        return copenssl_set_sni(ssl, host) == 1 && SSL_set1_host(ssl, host) == 1
    }

    private func handshake(until deadline: Deadline) throws(TransportError) {
        while true {
            ERR_clear_error()
            let result = SSL_connect(ssl)
            if result == 1 { return }
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ: try transport.wait(for: Socket.readable, until: deadline)
            case SSL_ERROR_WANT_WRITE: try transport.wait(for: Socket.writable, until: deadline)
            default: throw handshakeFailure()
            }
        }
    }

    /// The verification reason when the certificate was refused ("unable to
    /// get local issuer certificate", "hostname mismatch"), else OpenSSL's
    /// reason ("wrong version number"): fixed library texts that cannot carry
    /// a URL or a header.
    private func handshakeFailure() -> TransportError {
        let verify = SSL_get_verify_result(ssl)
        if verify != Int(X509_V_OK), let text = X509_verify_cert_error_string(verify) {
            return .tls("TLS handshake failed: \(String(cString: text))")
        }
        let code = ERR_peek_last_error()
        if code != 0, let text = ERR_reason_error_string(code) {
            return .tls("TLS handshake failed: \(String(cString: text))")
        }
        return .tls("TLS handshake failed")
    }

    // MARK: Data

    func send(_ bytes: [UInt8], until deadline: Deadline) throws(TransportError) {
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            let count = Int32(min(bytes.count - offset, 1 << 20))
            let written = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress.map { $0 + offset }, count) }
            if written > 0 {
                offset += Int(written)
                continue
            }
            switch SSL_get_error(ssl, written) {
            case SSL_ERROR_WANT_READ: try transport.wait(for: Socket.readable, until: deadline)
            case SSL_ERROR_WANT_WRITE: try transport.wait(for: Socket.writable, until: deadline)
            case SSL_ERROR_SYSCALL, SSL_ERROR_ZERO_RETURN: throw .network("connection lost")
            default: throw .network("TLS error")
            }
        }
    }

    func receive(appendingTo buffer: inout [UInt8], until deadline: Deadline) throws(TransportError) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            ERR_clear_error()
            let count = chunk.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<Int(count)])
                return true
            }
            switch SSL_get_error(ssl, count) {
            case SSL_ERROR_WANT_READ: try transport.wait(for: Socket.readable, until: deadline)
            case SSL_ERROR_WANT_WRITE: try transport.wait(for: Socket.writable, until: deadline)
            // The peer's close_notify, or (OpenSSL 3 with IGNORE_UNEXPECTED_EOF) a close without one.
            case SSL_ERROR_ZERO_RETURN: return false
            // OpenSSL 1.1: a close without close_notify shows as SYSCALL with nothing queued.
            case SSL_ERROR_SYSCALL where count == 0 && ERR_peek_error() == 0: return false
            case SSL_ERROR_SYSCALL: throw .network("connection lost")
            default: throw .network("TLS error")
            }
        }
    }

    /// Sends our close_notify without waiting for the peer's: the answer is
    /// complete, the connection is closed next either way. Only after a
    /// successful exchange (OpenSSL forbids it after a fatal error).
    func closeNotify() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
    }
}
