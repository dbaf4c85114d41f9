import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One outgoing HTTP request to an upstream API.
public struct UpstreamRequest: Sendable {
    public var method: String
    public var url: URL
    /// Sent exactly as given, in order.
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Seconds for the whole exchange.
    public var timeout: Double

    public init(method: String, url: URL, headers: [(String, String)] = [], body: [UInt8] = [], timeout: Double = 10) {
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
public protocol HTTPTransport: Sendable {
    func send(_ request: UpstreamRequest) async throws(TransportError) -> UpstreamResponse
}

/// The production transport: Foundation's URLSession (libcurl on Linux).
public final class URLSessionTransport: HTTPTransport {
    /// Bodies larger than this are refused: an upstream cannot exhaust memory.
    public let maxBodyBytes: Int
    private let session: URLSession

    public init(maxBodyBytes: Int = 1 << 20) {
        self.maxBodyBytes = maxBodyBytes
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        self.session = URLSession(configuration: configuration)
    }

    public func send(_ request: UpstreamRequest) async throws(TransportError) -> UpstreamResponse {
        var urlRequest = URLRequest(url: request.url, timeoutInterval: request.timeout)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers {
            urlRequest.addValue(value, forHTTPHeaderField: name)
        }
        if !request.body.isEmpty || request.method == "POST" {
            urlRequest.httpBody = Data(request.body)
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: urlRequest)
        } catch let error as URLError {
            switch error.code {
            case .timedOut: throw .timeout
            case .cancelled: throw .cancelled
            default: throw .network(Self.describe(error))
            }
        } catch is CancellationError {
            throw .cancelled
        } catch {
            throw .network(String(describing: type(of: error)))
        }
        guard data.count <= maxBodyBytes else { throw .bodyTooLarge(maxBodyBytes) }
        guard let http = response as? HTTPURLResponse else { throw .network("not an HTTP response") }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let k = key as? String, let v = value as? String { headers[k.lowercased()] = v }
        }
        return UpstreamResponse(status: http.statusCode, headers: headers, body: [UInt8](data))
    }

    /// URLError's text without the URL (a URL could carry credentials in a proxy setup).
    static func describe(_ error: URLError) -> String {
        switch error.code {
        case .cannotConnectToHost: return "connection refused"
        case .cannotFindHost, .dnsLookupFailed: return "host not found"
        case .networkConnectionLost: return "connection lost"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return "TLS handshake failed"
        case .badServerResponse: return "bad server response"
        default: return "URLError \(error.code.rawValue)"
        }
    }
}
