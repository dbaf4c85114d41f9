import BalanceSockets
import BalanceSupport
import COpenSSL
import Glibc

/// One server `SSL_CTX`, built from a web configuration's `tls_server_config`
/// and the PEM it names: certificate chain and key, the client CA, the
/// client-certificate mode, versions, TLS 1.2 suites and groups. Never
/// changed once built; a reloaded web configuration builds a new one, and
/// connections already open keep the one they started with.
package final class ServerTLSContext: @unchecked Sendable {
    // @unchecked: configured here and never changed afterwards; OpenSSL
    // allows creating connections from it on any thread (openssl-threads(7)).
    let pointer: OpaquePointer
    let allowedSANs: [String]

    /// What is wrong, naming the key of the web configuration; never PEM content.
    package struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        package var description: String
    }

    package init(_ config: TLSServerConfig, certificate: [UInt8], key: [UInt8], clientCA: [UInt8]?) throws(Problem) {
        guard OpenSSLLibrary.ready, let method = TLS_server_method(), let context = SSL_CTX_new(method) else {
            throw Problem(description: "TLS setup failed")
        }
        pointer = context
        allowedSANs = config.clientAllowedSANs
        copenssl_ctx_configure_server(context)
        guard copenssl_ctx_set_versions(context, Int32(config.minVersion.rawValue), Int32(config.maxVersion.rawValue)) == 1 else {
            throw Problem(description: "tls_server_config: min_version/max_version not supported by this OpenSSL")
        }
        let loaded = certificate.withUnsafeBufferPointer { cert in
            key.withUnsafeBufferPointer { key in
                cert.withMemoryRebound(to: CChar.self) { cert in
                    key.withMemoryRebound(to: CChar.self) { key in
                        copenssl_ctx_use_pem(context, cert.baseAddress, Int32(cert.count), key.baseAddress, Int32(key.count))
                    }
                }
            }
        }
        guard loaded == 1 else {
            throw Problem(description: "tls_server_config: cannot use the certificate \(config.certificate) with the key \(config.key)"
                          + " (\(Self.lastError() ?? "not PEM, or the key does not match the certificate"))")
        }
        if let clientCA {
            let count = clientCA.withUnsafeBufferPointer { pem in
                pem.withMemoryRebound(to: CChar.self) { copenssl_ctx_use_client_ca(context, $0.baseAddress, Int32($0.count)) }
            }
            guard count > 0 else {
                throw Problem(description: "tls_server_config: no PEM certificate in the client CA \(config.clientCA?.description ?? "")")
            }
        }
        let auth = config.clientAuth
        copenssl_ctx_client_auth(context, auth.requestsCertificate ? 1 : 0, auth.requiresCertificate ? 1 : 0,
                                 auth.verifiesCertificate ? 1 : 0)
        if !config.cipherSuites.isEmpty, SSL_CTX_set_cipher_list(context, config.cipherSuites.joined(separator: ":")) != 1 {
            throw Problem(description: "tls_server_config.cipher_suites: none of them is available in this OpenSSL")
        }
        if !config.curves.isEmpty, copenssl_ctx_set_groups(context, config.curves.joined(separator: ":")) != 1 {
            throw Problem(description: "tls_server_config.curve_preferences: not available in this OpenSSL")
        }
        ERR_clear_error()
    }

    deinit { SSL_CTX_free(pointer) }

    static func lastError() -> String? {
        let code = ERR_peek_last_error()
        defer { ERR_clear_error() }
        guard code != 0, let text = ERR_reason_error_string(code) else { return nil }
        return String(cString: text)
    }
}

/// The server side of one TLS connection over an accepted, non-blocking
/// socket. Reads and writes never block: they report `nil` / 0 when the
/// socket must be polled first, as the plain socket calls do.
final class ServerTLSSession {
    private let ssl: OpaquePointer
    private let socket: Socket
    private let context: ServerTLSContext

    /// Go's answer to plain HTTP on a TLS port (net/http's server.go), which
    /// curl and browsers show as it is.
    static let plainHTTPAnswer = Array("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n".utf8)

    enum HandshakeFailure: Error {
        /// The client spoke plain HTTP: answer `plainHTTPAnswer` and close.
        case plainHTTP
        case timedOut
        case failed(String)
    }

    init?(socket: Socket, context: ServerTLSContext) {
        guard let ssl = SSL_new(context.pointer) else { return nil }
        self.ssl = ssl
        self.socket = socket
        self.context = context
        guard SSL_set_fd(ssl, socket.fd) == 1 else { return nil }
    }

    deinit { SSL_free(ssl) }

    /// Shakes hands until `deadline` (monotonic seconds): a stalled
    /// handshake counts against the request's read timeout. Then checks
    /// `client_allowed_sans`.
    func handshake(until deadline: Double) throws(HandshakeFailure) {
        while true {
            ERR_clear_error()
            let result = SSL_accept(ssl)
            if result == 1 { break }
            let events: Int16
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ: events = Socket.readable
            case SSL_ERROR_WANT_WRITE: events = Socket.writable
            default:
                let code = ERR_peek_last_error()
                if copenssl_error_is_http_request(code) == 1 { throw .plainHTTP }
                throw .failed(ServerTLSContext.lastError() ?? "connection closed during the TLS handshake")
            }
            let remaining = deadline - SystemClock.monotonic()
            guard remaining > 0, let ready = try? Socket.poll([socket], events: events, timeout: remaining) else { throw .timedOut }
            if ready[0] == 0 { throw .timedOut }
        }
        if !context.allowedSANs.isEmpty, !context.allowedSANs.contains(where: { copenssl_peer_has_san(ssl, $0) == 1 }) {
            throw .failed("client certificate has none of client_allowed_sans")
        }
    }

    /// Decrypted bytes OpenSSL holds already: read them before polling.
    var hasBufferedInput: Bool { SSL_pending(ssl) > 0 }

    /// Like `Socket.receive(into:)`: the count, 0 at the end of the stream,
    /// nil when the socket must become readable first.
    func receive(into buffer: inout [UInt8]) throws(SocketError) -> Int? {
        ERR_clear_error()
        let count = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
        if count > 0 { return Int(count) }
        switch SSL_get_error(ssl, count) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return nil
        case SSL_ERROR_ZERO_RETURN: return 0
        case SSL_ERROR_SYSCALL where ERR_peek_error() == 0 && count == 0: return 0
        default: throw SocketError(call: "SSL_read", code: EPROTO, message: ServerTLSContext.lastError() ?? "TLS error")
        }
    }

    /// Like `Socket.send(_:from:)`: the count written, 0 when the socket must
    /// become writable first (a retry passes the same bytes, as OpenSSL requires).
    func send(_ bytes: [UInt8], from offset: Int) throws(SocketError) -> Int {
        ERR_clear_error()
        let count = Int32(min(bytes.count - offset, 1 << 20))
        let written = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress.map { $0 + offset }, count) }
        if written > 0 { return Int(written) }
        switch SSL_get_error(ssl, written) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return 0
        default: throw SocketError(call: "SSL_write", code: EPIPE, message: ServerTLSContext.lastError() ?? "TLS connection lost")
        }
    }

    /// Our close_notify, without waiting for the client's.
    func closeNotify() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }
}
