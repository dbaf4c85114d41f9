/// One outgoing HTTP request to an upstream API.
public struct UpstreamRequest: Sendable {
    public var method: String
    public var url: HTTPURL
    /// Sent exactly as given, in order.
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Seconds for the whole exchange.
    public var timeout: Double

    public init(method: String, url: HTTPURL, headers: [(String, String)] = [], body: [UInt8] = [], timeout: Double = 10) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

public struct UpstreamResponse: Sendable {
    public var status: Int
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No complete answer within the request's timeout.
    case timeout
    /// Refused, reset, unresolvable host, TLS failure. The text names no secret.
    case network(String)
    /// The body exceeded the transport's cap (bytes).
    case bodyTooLarge(Int)
    case cancelled

    public var description: String {
        switch self {
        case .timeout: return "request timed out"
        case .network(let detail): return "network error: \(detail)"
        case .bodyTooLarge(let cap): return "response body larger than \(cap) bytes"
        case .cancelled: return "request cancelled"
        }
    }

    /// The engine's reason for this transport failure.
    public var reason: FailureReason {
        switch self {
        case .timeout: return .timeout
        case .network, .cancelled: return .network
        case .bodyTooLarge: return .bad_response
        }
    }
}

/// Sends upstream requests. Injected into providers so tests and the demo
/// point them at loopback servers, and so the implementation can change.
/// The production implementation is `SocketTransport`.
public protocol HTTPTransport: Sendable {
    func send(_ request: UpstreamRequest) async throws(TransportError) -> UpstreamResponse
}
