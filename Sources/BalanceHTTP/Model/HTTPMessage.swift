import BalanceSupport

/// The one HTTP/1.1 message model of both directions: what the server
/// parses and the router answers, and what the client sends upstream and
/// reads back. Plain values: no socket.

package struct HTTPRequest: Sendable, Equatable {
    package var method: String
    /// The request target as sent (`/metrics?x=1`), origin form.
    package var target: String
    /// The path part of `target`, without the query string.
    package var path: String
    /// The query string without `?`, if any.
    package var query: String?
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    package var minorVersion: Int
    package var headers: HTTPHeaders
    package var body: [UInt8]

    package init(method: String, target: String, minorVersion: Int = 1, headers: HTTPHeaders = [], body: [UInt8] = []) {
        self.method = method
        self.target = target
        if let q = target.firstIndex(of: "?") {
            self.path = String(target[..<q])
            self.query = String(target[target.index(after: q)...])
        } else {
            self.path = target
            self.query = nil
        }
        self.minorVersion = minorVersion
        self.headers = headers
        self.body = body
    }

    /// A request for `url` (its path and query as the target), as a client sends it.
    package init(method: String, url: HTTPURL, headers: HTTPHeaders = [], body: [UInt8] = []) {
        self.init(method: method, target: url.requestTarget, headers: headers, body: body)
    }
}

package struct HTTPResponse: Sendable, Equatable {
    package var status: Int
    /// The server adds `Content-Length` and manages `Connection`; no `Date` is sent.
    package var headers: HTTPHeaders
    /// The body as buffers sent one after the other, each shared
    /// copy-on-write: a response can be a cached metrics body and a small
    /// fresh part without copying the cached one. A client's response has one.
    package var chunks: [[UInt8]]

    package init(status: Int, headers: HTTPHeaders = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.chunks = body.isEmpty ? [] : [body]
    }

    package init(status: Int, headers: HTTPHeaders = [], chunks: [[UInt8]]) {
        self.status = status
        self.headers = headers
        self.chunks = chunks.filter { !$0.isEmpty }
    }

    /// The body as one buffer (a copy only when it has several chunks).
    package var body: [UInt8] {
        get { chunks.count == 1 ? chunks[0] : Array(chunks.joined()) }
        set { chunks = newValue.isEmpty ? [] : [newValue] }
    }

    /// The body's length in bytes.
    package var bodyCount: Int { chunks.reduce(0) { $0 + $1.count } }

    package static func text(_ status: Int, _ text: String, headers: HTTPHeaders = []) -> HTTPResponse {
        var all: HTTPHeaders = [("Content-Type", "text/plain; charset=utf-8")]
        for field in headers { all.append(field.name, field.value) }
        return HTTPResponse(status: status, headers: all, body: Array(text.utf8))
    }
}

/// Answers one request. Runs on the connection's own thread, so it may block
/// (the metrics path waits for refreshes up to the scrape budget); it must
/// not crash on any input. A HEAD request is answered like a GET: the
/// server sends the head and leaves the body out.
package protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest) -> HTTPResponse
}
