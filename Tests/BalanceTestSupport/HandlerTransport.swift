import Foundation
import BalanceHTTP

/// A transport that hands each request straight to an `HTTPHandler` in
/// process: for unit tests of a provider's logic. Live tests use the real
/// loopback server instead.
package struct HandlerTransport: HTTPTransport {
    package let handler: any HTTPHandler

    package init(handler: any HTTPHandler) { self.handler = handler }

    package func send(_ request: UpstreamRequest) async throws(TransportError) -> UpstreamResponse {
        let target = UpstreamTarget(request.url)
        var headers = request.headers.map { (name: $0.0, value: $0.1) }
        if !headers.contains(where: { $0.name.lowercased() == "host" }) {
            headers.insert((name: "Host", value: target.hostHeader), at: 0)
        }
        let response = handler.handle(HTTPRequest(method: request.method, target: target.requestTarget, headers: headers,
                                                  body: request.body))
        var responseHeaders: [String: String] = [:]
        for (name, value) in response.headers { responseHeaders[name.lowercased()] = value }
        return UpstreamResponse(status: response.status, headers: responseHeaders, body: response.completeBody)
    }
}
