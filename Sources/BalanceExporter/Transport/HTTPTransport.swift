import Dispatch
import Foundation
import Synchronization
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
///
/// Two limits are enforced here rather than left to URLSession, because on
/// Linux it enforces neither as documented (found by LiveTencentCloudTests):
/// `URLRequest.timeoutInterval` is an idle timeout that each received byte
/// resets (and a 0.5 s one was observed not to fire at all), so the
/// request's `timeout` is a deadline of our own over the whole exchange; and
/// the body cap is checked as bytes arrive, so an endless body is cut at the
/// cap instead of being buffered whole.
public final class URLSessionTransport: HTTPTransport {
    /// Bodies larger than this are refused: an upstream cannot exhaust memory.
    public let maxBodyBytes: Int
    private let session: URLSession
    private let transfers: URLSessionTransfers

    public init(maxBodyBytes: Int = 1 << 20) {
        self.maxBodyBytes = maxBodyBytes
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        transfers = URLSessionTransfers(maxBodyBytes: maxBodyBytes)
        self.session = URLSession(configuration: configuration, delegate: transfers, delegateQueue: nil)
    }

    deinit {
        // A session retains its delegate until invalidated. Not
        // `invalidateAndCancel`: cancelling a task that is completing
        // crashes FoundationNetworking (TaskRegistry "not in the registry").
        session.finishTasksAndInvalidate()
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
        let task = session.dataTask(with: urlRequest)
        let id = task.taskIdentifier
        let transfers = self.transfers
        let timeout = request.timeout.isFinite ? max(0, request.timeout) : 86_400
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<UpstreamResponse, TransportError>, Never>) in
                transfers.begin(id, continuation)
                // Cancelled before the handler below could see the transfer: never start it.
                if Task.isCancelled {
                    transfers.finish(id, .failure(.cancelled))
                    return
                }
                task.resume()
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                    if transfers.finish(id, .failure(.timeout)) { task.cancel() }
                }
            }
        } onCancel: {
            if transfers.finish(id, .failure(.cancelled)) { task.cancel() }
        }
        return try result.get()
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

    static func transportError(_ error: any Error) -> TransportError {
        guard let error = error as? URLError else { return .network(String(describing: type(of: error))) }
        switch error.code {
        case .timedOut: return .timeout
        case .cancelled: return .cancelled
        default: return .network(describe(error))
        }
    }
}

/// The in-flight exchanges of one `URLSessionTransport`, by task identifier:
/// collects each body as it arrives (refusing it past the cap) and resumes
/// the waiting `send` exactly once, with whichever comes first: completion,
/// the cap, the deadline or cancellation.
final class URLSessionTransfers: NSObject, URLSessionDataDelegate, Sendable {
    private struct Transfer {
        var continuation: CheckedContinuation<Result<UpstreamResponse, TransportError>, Never>
        var response: HTTPURLResponse?
        var body = Data()
    }
    private let maxBodyBytes: Int
    private let transfers = Mutex<[Int: Transfer]>([:])

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    func begin(_ id: Int, _ continuation: CheckedContinuation<Result<UpstreamResponse, TransportError>, Never>) {
        transfers.withLock { $0[id] = Transfer(continuation: continuation) }
    }

    /// Resumes the transfer's `send` with `result`; false if it had already ended.
    @discardableResult
    func finish(_ id: Int, _ result: Result<UpstreamResponse, TransportError>) -> Bool {
        guard let transfer = transfers.withLock({ $0.removeValue(forKey: id) }) else { return false }
        transfer.continuation.resume(returning: result)
        return true
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        let id = dataTask.taskIdentifier
        guard let http = response as? HTTPURLResponse else {
            finish(id, .failure(.network("not an HTTP response")))
            return completionHandler(.cancel)
        }
        // A declared length past the cap is refused before any of it is read.
        // (FoundationNetworking ignores the `.cancel` disposition: cancel the task itself.)
        if http.expectedContentLength > Int64(maxBodyBytes) {
            if finish(id, .failure(.bodyTooLarge(maxBodyBytes))) { dataTask.cancel() }
            return completionHandler(.cancel)
        }
        transfers.withLock { $0[id]?.response = http }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let id = dataTask.taskIdentifier
        let tooLarge = transfers.withLock { all -> Bool in
            guard all[id] != nil else { return false }
            all[id]?.body.append(data)
            return (all[id]?.body.count ?? 0) > maxBodyBytes
        }
        if tooLarge, finish(id, .failure(.bodyTooLarge(maxBodyBytes))) { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let id = task.taskIdentifier
        if let error {
            finish(id, .failure(URLSessionTransport.transportError(error)))
            return
        }
        let transfer = transfers.withLock { $0[id] }
        guard let http = transfer?.response ?? task.response as? HTTPURLResponse else {
            finish(id, .failure(.network("not an HTTP response")))
            return
        }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let k = key as? String, let v = value as? String { headers[k.lowercased()] = v }
        }
        finish(id, .success(UpstreamResponse(status: http.statusCode, headers: headers, body: [UInt8](transfer?.body ?? Data()))))
    }
}
