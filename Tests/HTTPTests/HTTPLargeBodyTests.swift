import BalanceTestSupport
import XCTest
@testable import BalanceHTTP

/// Bodies above `HTTPConnection.copyLimit` are sent from their own buffer
/// after the head (gathered `sendmsg`), possibly in many partial writes: the
/// client must still read exactly the head and body it would get otherwise.
final class HTTPLargeBodyTests: XCTestCase {
    private static let body: [UInt8] = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }

    func testALargeBodyArrivesWholeAndTheConnectionStaysUsable() throws {
        let port = try serveOnLoopback { request in
            request.path == "/big" ? HTTPResponse(status: 200, headers: [("Content-Type", "application/octet-stream")], body: Self.body)
                                   : .text(200, "small")
        }
        let connection = try RawHTTPConnection(port: port)
        // Pipelined: a body cut short or sent twice would corrupt the answers after it.
        try connection.send(RawHTTPClient.wire(path: "/big") + RawHTTPClient.wire(path: "/small") + RawHTTPClient.wire(path: "/big"))
        let first = try connection.readResponse()
        XCTAssertEqual(first.headers["Content-Length"], "\(Self.body.count)")
        XCTAssertTrue(first.body == Self.body, "first large body differs")
        XCTAssertEqual(try connection.readResponse().text, "small")
        XCTAssertTrue(try connection.readResponse().body == Self.body, "second large body differs")
    }

    func testHeadOfALargeBodySendsOnlyTheHead() throws {
        let port = try serveOnLoopback { _ in HTTPResponse(status: 200, body: Self.body) }
        let connection = try RawHTTPConnection(port: port)
        try connection.send(RawHTTPClient.wire(method: "HEAD", path: "/") + RawHTTPClient.wire(path: "/x"))
        let head = try connection.readResponse(method: "HEAD")
        XCTAssertEqual(head.headers["Content-Length"], "\(Self.body.count)")
        XCTAssertEqual(head.body, [])
        XCTAssertTrue(try connection.readResponse().body == Self.body)
    }

    func testTheHeadAloneMatchesTheStartOfTheFullEncoding() {
        let response = HTTPResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array("hello".utf8))
        let (head, sendsBody) = ResponseEncoder.encodeHead(response, keepAlive: false)
        XCTAssertTrue(sendsBody)
        XCTAssertEqual(head + response.body, ResponseEncoder.encode(response, keepAlive: false))
        XCTAssertFalse(ResponseEncoder.encodeHead(response, isHEAD: true).sendsBody)
        XCTAssertFalse(ResponseEncoder.encodeHead(HTTPResponse(status: 204, body: [1])).sendsBody)
    }
}

final class HTTPBodyChunksTests: XCTestCase {
    func testChunksFollowEachOtherOnTheWireAndInContentLength() throws {
        let cached = [UInt8](repeating: UInt8(ascii: "a"), count: 40_000)
        let port = try serveOnLoopback { _ in
            HTTPResponse(status: 200, chunks: [cached, Array("tail\n".utf8)])
        }
        let response = try RawHTTPClient.get(port: port, path: "/")
        XCTAssertEqual(response.headers["Content-Length"], "40005")
        XCTAssertEqual(response.body, cached + Array("tail\n".utf8))

        let small = HTTPResponse(status: 200, chunks: [Array("ab".utf8), Array("c".utf8)])
        XCTAssertEqual(String(decoding: ResponseEncoder.encode(small), as: UTF8.self),
                       "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")
    }
}
