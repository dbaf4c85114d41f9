/// The HTTP/1.1 message values exchanged between the server (sockets,
/// parsing) and the router (what each path answers). Plain values: no socket.

package struct HTTPRequest: Sendable, Equatable {
    package var method: String
    /// The request target as sent (`/metrics?x=1`).
    package var target: String
    /// The path part of `target`, without the query string.
    package var path: String
    /// The query string without `?`, if any.
    package var query: String?
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    package var minorVersion: Int
    /// Header fields in arrival order; names as sent.
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    package init(method: String, target: String, minorVersion: Int = 1,
                headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
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

    /// The first value of a header, matched case-insensitively.
    package func header(_ name: String) -> String? {
        headers.first(where: { $0.name.lowercased() == name.lowercased() })?.value
    }

    package static func == (a: HTTPRequest, b: HTTPRequest) -> Bool {
        a.method == b.method && a.target == b.target && a.minorVersion == b.minorVersion
            && a.headers.map { [$0.name, $0.value] } == b.headers.map { [$0.name, $0.value] } && a.body == b.body
    }
}

package struct HTTPResponse: Sendable {
    package var status: Int
    /// Header fields to send; the server adds `Content-Length`, `Date` is not
    /// sent, and `Connection` is managed by the server.
    package var headers: [(name: String, value: String)]
    /// Shared, copy-on-write: a cached metrics body is not copied per response.
    package var body: [UInt8]
    /// Sent right after `body`, as part of the same body: lets a response
    /// be a shared cached buffer plus a small fresh part, without copying
    /// the cached one (the metrics body: cached accounts + process metrics).
    package var bodyTail: [UInt8] = []
    /// For HEAD: send the headers (with the body's Content-Length), not the body.
    package var omitBody: Bool

    package init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [], omitBody: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.omitBody = omitBody
    }

    /// `body` followed by `bodyTail`: the body as the client receives it.
    package var completeBody: [UInt8] { bodyTail.isEmpty ? body : body + bodyTail }

    package static func text(_ status: Int, _ text: String, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")] + headers, body: Array(text.utf8))
    }
}

/// Answers one request. Runs on the connection's own thread, so it may block
/// (the metrics path waits for refreshes up to the scrape budget); it must
/// not crash on any input.
package protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest) -> HTTPResponse
}
