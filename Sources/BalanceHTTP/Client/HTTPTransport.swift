import BalanceSupport

package enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No complete answer within the request's timeout.
    case timeout
    /// Refused, reset, unresolvable host; a proxy that cannot be reached or
    /// answers `CONNECT` with anything but 2xx or 407. The text names no secret.
    case network(String)
    /// The TLS handshake (or its setup) failed after the TCP connection:
    /// verification, host name, protocol.
    case tls(String)
    /// The proxy refused our proxy credentials (`407`).
    case proxy(String)
    /// The body exceeded the transport's cap (bytes).
    case bodyTooLarge(Int)
    case cancelled

    package var description: String {
        switch self {
        case .timeout: return "request timed out"
        case .network(let detail): return "network error: \(detail)"
        case .tls(let detail): return detail
        case .proxy(let detail): return detail
        case .bodyTooLarge(let cap): return "response body larger than \(cap) bytes"
        case .cancelled: return "request cancelled"
        }
    }
}

/// Sends upstream requests. Injected into providers so tests and the demo
/// point them at loopback servers, and so the implementation can change.
/// The production implementation is `SocketTransport`.
///
/// Contract: `request` is sent to `url`'s host and port (TLS for https),
/// its headers exactly as given and in order, with a `Host` from `url` in
/// front unless the request carries its own; `timeout` bounds the whole
/// exchange. The answer's header names are as the upstream sent them
/// (look them up through `HTTPHeaders`, which ignores case). Failures are
/// `TransportError`s whose texts never quote the URL or a header value.
package protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest, to url: HTTPURL, timeout: Double) async throws(TransportError) -> HTTPResponse
}
