import BalanceTestSupport
import XCTest
@testable import BalanceHTTP

final class HTTPResponseEncoderTests: XCTestCase {
    private func encoded(_ response: HTTPResponse, minorVersion: Int = 1, keepAlive: Bool = true) -> String {
        String(decoding: ResponseEncoder.encode(response, minorVersion: minorVersion, keepAlive: keepAlive), as: UTF8.self)
    }

    func testKeepAlive11ResponseHasNoConnectionHeader() {
        XCTAssertEqual(encoded(.text(200, "ok\n")),
                       "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n\r\nok\n")
    }

    func testClosingResponseSaysConnectionClose() {
        XCTAssertEqual(encoded(HTTPResponse(status: 404, body: Array("nope".utf8)), keepAlive: false),
                       "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope")
    }

    func testHTTP10KeepAliveIsExplicit() {
        XCTAssertEqual(encoded(HTTPResponse(status: 200, body: [0x61]), minorVersion: 0),
                       "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\na")
        XCTAssertEqual(encoded(HTTPResponse(status: 200, body: [0x61]), minorVersion: 0, keepAlive: false),
                       "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\na")
    }

    func testHeadSendsTheRealLengthAndNoBody() {
        XCTAssertEqual(String(decoding: ResponseEncoder.encode(HTTPResponse(status: 200, headers: [("Content-Type", "text/plain")],
                                                                            body: Array("hello".utf8)), isHEAD: true), as: UTF8.self),
                       "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n")
    }

    func testNoContentStatusesCarryNoBodyNorLength() {
        XCTAssertEqual(encoded(HTTPResponse(status: 204, body: Array("ignored".utf8))), "HTTP/1.1 204 No Content\r\n\r\n")
        XCTAssertEqual(encoded(HTTPResponse(status: 304)), "HTTP/1.1 304 Not Modified\r\n\r\n")
    }

    func testFramingHeadersFromTheHandlerAreReplaced() {
        let response = HTTPResponse(status: 200, headers: [("content-length", "999"), ("Connection", "keep-alive"),
                                                           ("Transfer-Encoding", "chunked"), ("X-Kept", "yes")], body: [0x41, 0x42])
        XCTAssertEqual(encoded(response, keepAlive: false),
                       "HTTP/1.1 200 OK\r\nX-Kept: yes\r\nContent-Length: 2\r\nConnection: close\r\n\r\nAB")
    }

    func testLineBreaksInHeaderValuesCannotSplitTheResponse() {
        let response = HTTPResponse(status: 302, headers: [("Location", "/x\r\nSet-Cookie: evil=1")])
        XCTAssertEqual(encoded(response), "HTTP/1.1 302 Found\r\nLocation: /x Set-Cookie: evil=1\r\nContent-Length: 0\r\n\r\n")
    }

    func testErrorResponsesNameTheirStatus() {
        XCTAssertEqual(encoded(ResponseEncoder.errorResponse(431), keepAlive: false),
                       "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
                       + "Content-Length: 36\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large\n")
        for status in [400, 408, 411, 413, 414, 503, 505] {
            XCTAssertFalse(ResponseEncoder.reasonPhrase(status).hasPrefix("Status"), "\(status)")
        }
        XCTAssertEqual(ResponseEncoder.reasonPhrase(599), "Status 599")
    }
}
