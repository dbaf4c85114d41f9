import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceHTTP

/// The transport's values, no socket: how its failures become the engine's
/// reasons, where a URL leads (`HTTPURL`: host, port, Host header, target) and the exact request bytes
/// (`HTTPRequestWriter`). SocketTransportTests sends them over real sockets.
final class HTTPTransportTests: XCTestCase {
    // MARK: Target

    func testTargetsFromURLs() throws {
        let cases: [(String, host: String, port: Int, secure: Bool, hostHeader: String, requestTarget: String)] = [
            ("http://127.0.0.1:8080/a%20b/c?x=1&y=%2F", "127.0.0.1", 8080, false, "127.0.0.1:8080", "/a%20b/c?x=1&y=%2F"),
            ("https://billing.tencentcloudapi.com/", "billing.tencentcloudapi.com", 443, true, "billing.tencentcloudapi.com", "/"),
            ("HTTPS://Example.com:443", "Example.com", 443, true, "Example.com", "/"),
            ("https://example.com:80/p", "example.com", 80, true, "example.com:80", "/p"),
            ("http://example.com:80?q=1", "example.com", 80, false, "example.com", "/?q=1"),
            ("http://[::1]:9788/metrics", "::1", 9788, false, "[::1]:9788", "/metrics"),
            ("http://localhost/openapi/v1.0/get_token#fragment", "localhost", 80, false, "localhost", "/openapi/v1.0/get_token"),
        ]
        for (text, host, port, secure, hostHeader, requestTarget) in cases {
            let target = try XCTUnwrap(HTTPURL(string: text))
            XCTAssertEqual([target.host, "\(target.effectivePort)", "\(target.secure)", target.hostHeader, target.requestTarget],
                           [host, "\(port)", "\(secure)", hostHeader, requestTarget], text)
        }
    }

    func testOnlyHTTPAndHTTPSURLsWithAHostAreURLsAtAll() {
        for text in ["ftp://user:secret@example.com/", "file:///etc/secret", "mailto:secret@example.com", "http://example.com:0/",
                     "http://example.com:65536/", "http://example.com:8o/", "http://user:secret@example.com/", "http:///path",
                     "http://exa mple.com/", "http://example.com/a b", "http://example.com/%zz", "http://example.com/?q=a b",
                     "http://[::1/", "http://[example.com]/", "http://[::1]x/", "//example.com/", "example.com", ""] {
            XCTAssertNil(HTTPURL(string: text), text)
        }
    }

    func testAURLKeepsItsEncodingDropsItsFragmentAndLowerCasesOnlyTheScheme() throws {
        let url = try XCTUnwrap(HTTPURL(string: "HTTPS://Billing.Example.com:8443/a%2Fb/c/?x=%20&y#frag"))
        XCTAssertEqual([url.scheme, url.host, "\(url.port ?? 0)", url.path, url.query ?? "-"],
                       ["https", "Billing.Example.com", "8443", "/a%2Fb/c/", "x=%20&y"])
        XCTAssertEqual(url.absoluteString, "https://Billing.Example.com:8443/a%2Fb/c/?x=%20&y")
        XCTAssertEqual(HTTPURL(string: "http://[::1]:9/")?.absoluteString, "http://[::1]:9/")
        XCTAssertEqual(HTTPURL(string: "http://h:/p")?.port, nil, "an empty port is the default port")
        XCTAssertEqual(HTTPURL(string: "http://h")?.path, "")
    }

    // MARK: Request bytes

    func testAGetRequestOnTheWire() throws {
        let request = Outgoing(method: "GET", url: try XCTUnwrap(HTTPURL(string: "http://127.0.0.1:8080/openapi/v1.0/balance?a=1")),
                                      headers: [("User-Agent", "balance_exporter/1"), ("Authorization", "Bearer t"),
                                                ("Accept", "application/json")])
        XCTAssertEqual(try Self.wire(request),
                       "GET /openapi/v1.0/balance?a=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: balance_exporter/1\r\n"
                           + "Authorization: Bearer t\r\nAccept: application/json\r\nConnection: close\r\n\r\n")
    }

    func testAPostCarriesItsLengthEvenWhenEmpty() throws {
        let url = try XCTUnwrap(HTTPURL(string: "https://example.com/token"))
        XCTAssertEqual(try Self.wire(Outgoing(method: "POST", url: url, headers: [("Content-Type", "a/b")], body: Array("k=v".utf8))),
                       "POST /token HTTP/1.1\r\nHost: example.com\r\nContent-Type: a/b\r\nContent-Length: 3\r\nConnection: close\r\n\r\nk=v")
        XCTAssertEqual(try Self.wire(Outgoing(method: "POST", url: url)),
                       "POST /token HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    }

    func testACallersHostIsSentOnceWhereTheCallerPutIt() throws {
        let request = Outgoing(method: "POST", url: try XCTUnwrap(HTTPURL(string: "http://127.0.0.1:9/")),
                                      headers: [("X-First", "1"), ("host", "signed.example:9"), ("Connection", "keep-alive"),
                                                ("Content-Length", "999"), ("Transfer-Encoding", "chunked")],
                                      body: [0x7B, 0x7D])
        XCTAssertEqual(try Self.wire(request),
                       "POST / HTTP/1.1\r\nX-First: 1\r\nhost: signed.example:9\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
                       "framing headers are the transport's own")
    }

    func testHeaderInjectionIsRefusedWithoutEchoingTheValue() throws {
        let url = try XCTUnwrap(HTTPURL(string: "http://127.0.0.1:9/"))
        let bad: [Outgoing] = [
            Outgoing(method: "GET", url: url, headers: [("X-A", "secret\r\nX-Injected: 1")]),
            Outgoing(method: "GET", url: url, headers: [("X-A", "secret\nX")]),
            Outgoing(method: "GET", url: url, headers: [("Bad Name", "secret")]),
            Outgoing(method: "GET", url: url, headers: [("", "secret")]),
        ]
        for request in bad {
            XCTAssertThrowsError(try Self.wire(request)) { XCTAssertEqual($0 as? TransportError, .network("invalid request header")) }
        }
        XCTAssertThrowsError(try Self.wire(Outgoing(method: "GET /x", url: url))) {
            XCTAssertEqual($0 as? TransportError, .network("invalid request method"))
        }
    }

    /// A request and the URL it is sent to, as a provider hands them to the transport.
    struct Outgoing {
        var request: HTTPRequest
        var url: HTTPURL
        init(method: String, url: HTTPURL, headers: HTTPHeaders = [], body: [UInt8] = []) {
            request = HTTPRequest(method: method, url: url, headers: headers, body: body)
            self.url = url
        }
    }

    static func wire(_ outgoing: Outgoing) throws -> String {
        String(decoding: try HTTPRequestWriter.encode(outgoing.request, to: outgoing.url), as: UTF8.self)
    }
}
