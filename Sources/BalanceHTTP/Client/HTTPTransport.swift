/// One outgoing HTTP request to an upstream API.
package struct UpstreamRequest: Sendable {
    package var method: String
    package var url: HTTPURL
    /// Sent exactly as given, in order.
    package var headers: [(String, String)]
    package var body: [UInt8]
    /// Seconds for the whole exchange.
    package var timeout: Double

    package init(method: String, url: HTTPURL, headers: [(String, String)] = [], body: [UInt8] = [], timeout: Double = 10) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

package struct UpstreamResponse: Sendable {
    package var status: Int
    /// Header names lower-cased.
    package var headers: [String: String]
    package var body: [UInt8]

    package init(status: Int, headers: [String: String] = [:], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

package enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No complete answer within the request's timeout.
    case timeout
    /// Refused, reset, unresolvable host, TLS failure. The text names no secret.
    case network(String)
    /// The body exceeded the transport's cap (bytes).
    case bodyTooLarge(Int)
    case cancelled

    package var description: String {
        switch self {
        case .timeout: return "request timed out"
        case .network(let detail): return "network error: \(detail)"
        case .bodyTooLarge(let cap): return "response body larger than \(cap) bytes"
        case .cancelled: return "request cancelled"
        }
    }
}

/// Sends upstream requests. Injected into providers so tests and the demo
/// point them at loopback servers, and so the implementation can change.
/// The production implementation is `SocketTransport`.
package protocol HTTPTransport: Sendable {
    func send(_ request: UpstreamRequest) async throws(TransportError) -> UpstreamResponse
}
