import BalanceHTTP
import Synchronization

/// A transport that hands each request straight to an `HTTPHandler` in
/// process, with the `Host` the real transport would send: for unit tests
/// of a provider's logic. Live tests use the real loopback server instead.
package struct HandlerTransport: HTTPTransport {
    package let handler: any HTTPHandler

    package init(handler: any HTTPHandler) { self.handler = handler }

    package func send(_ request: HTTPRequest, to url: HTTPURL, timeout: Double) async throws(TransportError) -> HTTPResponse {
        var sent = request
        if !sent.headers.contains("Host") { sent.headers.insert("Host", url.hostHeader, at: 0) }
        let response = handler.handle(sent)
        return HTTPResponse(status: response.status, headers: response.headers, body: response.body)
    }
}

/// The one recording transport of the tests: hands every request on to
/// `inner` and keeps each exchange (where it went, its timeout, the request
/// as sent and the answer, nil on a transport failure) for assertions.
package final class RecordingTransport: HTTPTransport {
    package struct Exchange: Sendable {
        package var url: HTTPURL
        package var timeout: Double
        package var request: HTTPRequest
        package var response: HTTPResponse?
    }

    package let inner: any HTTPTransport
    private let log = Mutex<[Exchange]>([])

    package init(_ inner: any HTTPTransport) { self.inner = inner }

    package var exchanges: [Exchange] { log.withLock { $0 } }
    package var requests: [HTTPRequest] { exchanges.map(\.request) }

    package func send(_ request: HTTPRequest, to url: HTTPURL, timeout: Double) async throws(TransportError) -> HTTPResponse {
        do {
            let response = try await inner.send(request, to: url, timeout: timeout)
            log.withLock { $0.append(Exchange(url: url, timeout: timeout, request: request, response: response)) }
            return response
        } catch {
            log.withLock { $0.append(Exchange(url: url, timeout: timeout, request: request, response: nil)) }
            throw error
        }
    }
}

extension HTTPTransport {
    /// One request to `url`, as a test writes it.
    package func call(_ method: String, _ url: HTTPURL, headers: HTTPHeaders = [], body: [UInt8] = [],
                      timeout: Double = 10) async throws(TransportError) -> HTTPResponse {
        try await send(HTTPRequest(method: method, url: url, headers: headers, body: body), to: url, timeout: timeout)
    }
}

extension HTTPResponse {
    /// The body as UTF-8 text.
    package var bodyText: String { String(decoding: body, as: UTF8.self) }
}
