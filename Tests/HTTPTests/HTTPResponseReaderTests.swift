import BalanceTestSupport
import XCTest
@testable import BalanceHTTP

/// The response parser from raw wire bytes, no socket: framing by
/// Content-Length, chunked and close; the body cap; malformed input. Every
/// wire is also fed one byte at a time and split at every boundary, since a
/// read can end anywhere.
final class HTTPResponseReaderTests: XCTestCase {
    static let bad = TransportError.network("bad server response")
    static let lost = TransportError.network("connection lost")

    // MARK: Framing

    func testContentLengthBodyCompletesWithoutWaitingForTheClose() throws {
        let wire = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-MS-User: 42\r\nContent-Length: 5\r\n\r\nhello"
        let response = try XCTUnwrap(Self.readWithoutClose(wire))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers, [("Content-Type", "application/json"), ("X-MS-User", "42"), ("Content-Length", "5")])
        XCTAssertEqual(response.headers["x-ms-user"], "42", "names compare without case")
        XCTAssertEqual(response.bodyText, "hello")
    }

    func testBytesAfterACompleteResponseAreIgnored() throws {
        let response = try XCTUnwrap(Self.readWithoutClose("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 500 No\r\n\r\n"))
        XCTAssertEqual(response.bodyText, "ok")
    }

    func testChunkedBodyWithExtensionsAndTrailers() throws {
        let wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n"
            + "6 ; quoted=\"a;b\"\r\n world\r\n"
            + "A\r\n, chunked!\r\n"
            + "0;last\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"
        let response = try XCTUnwrap(Self.readWithoutClose(wire))
        XCTAssertEqual(response.bodyText, "hello world, chunked!")
        XCTAssertNil(response.headers["x-checksum"], "trailers are read past, not merged into the headers")
    }

    func testChunkedWinsOverAContentLength() throws {
        let wire = "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
        XCTAssertEqual(try Self.readWithoutClose(wire)?.bodyText, "ok")
    }

    func testNoLengthMeansTheBodyRunsToTheClose() throws {
        var reader = HTTPResponseReader(maxBodyBytes: 100)
        XCTAssertNil(try reader.feed(Array("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nsome".utf8)))
        XCTAssertNil(try reader.feed(Array(" more".utf8)))
        XCTAssertEqual(try reader.finish().bodyText, "some more")
    }

    func testResponsesWithoutABody() throws {
        XCTAssertEqual(try Self.readWithoutClose("HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n")?.body, [])
        XCTAssertEqual(try Self.readWithoutClose("HTTP/1.1 304 Not Modified\r\n\r\n")?.status, 304)
        XCTAssertEqual(try Self.readWithoutClose("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")?.body, [])
        var head = HTTPResponseReader(maxBodyBytes: 10, bodyExpected: false)
        XCTAssertEqual(try head.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n".utf8))?.status, 200)
    }

    func testInterimResponsesAreSkipped() throws {
        let wire = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx"
        let response = try XCTUnwrap(Self.readWithoutClose(wire))
        XCTAssertEqual(response.status, 201)
        XCTAssertNil(response.headers["link"])
        XCTAssertEqual(response.bodyText, "x")
    }

    func testHeaderDetails() throws {
        let wire = "HTTP/1.1 302\nLocation:   /elsewhere \t\nSet-Cookie: a=1\nset-cookie: b=2\nX-Empty:\nContent-Length: 3, 3\n\nabc"
        let response = try XCTUnwrap(Self.readWithoutClose(wire))
        XCTAssertEqual(response.status, 302, "an empty reason phrase and bare LF line ends are accepted")
        XCTAssertEqual(response.headers["location"], "/elsewhere")
        XCTAssertEqual(response.headers.combined("set-cookie"), "a=1, b=2", "repeated fields combine in order")
        XCTAssertEqual(response.headers["x-empty"], "")
        XCTAssertEqual(response.bodyText, "abc")
    }

    func testARepeatedContentLengthWithTheSameValueIsAccepted() throws {
        XCTAssertEqual(try Self.readWithoutClose("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok")?.bodyText, "ok")
    }

    // MARK: End of stream too early

    func testACloseBeforeTheResponseIsCompleteIsALostConnection() {
        let truncated = [
            "",
            "HTTP/1.1 200 OK\r\nContent-Le",
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: 1\r\n",
        ]
        for wire in truncated {
            XCTAssertEqual(Self.failure(wire), Self.lost, wire)
        }
    }

    // MARK: The body cap

    func testADeclaredLengthOverTheCapIsRefusedWithTheHead() {
        var reader = HTTPResponseReader(maxBodyBytes: 1000)
        XCTAssertThrowsError(try reader.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 1001\r\n\r\n".utf8))) {
            XCTAssertEqual($0 as? TransportError, .bodyTooLarge(1000))
        }
        var exact = HTTPResponseReader(maxBodyBytes: 5)
        XCTAssertEqual(try exact.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n12345".utf8))?.bodyText, "12345")
    }

    func testAStreamedBodyIsCutAsSoonAsItPassesTheCap() throws {
        var reader = HTTPResponseReader(maxBodyBytes: 1000)
        XCTAssertNil(try reader.feed(Array("HTTP/1.1 200 OK\r\n\r\n".utf8)))
        XCTAssertNil(try reader.feed([UInt8](repeating: 0x61, count: 1000)), "exactly the cap is allowed")
        XCTAssertThrowsError(try reader.feed([0x61])) { XCTAssertEqual($0 as? TransportError, .bodyTooLarge(1000)) }
    }

    func testChunksAreCountedAgainstTheCapBeforeTheirDataArrives() {
        XCTAssertEqual(Self.failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3E9\r\n", cap: 1000), .bodyTooLarge(1000))
        let manySmall = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + String(repeating: "A\r\n0123456789\r\n", count: 100) + "1\r\n"
        XCTAssertEqual(Self.failure(manySmall, cap: 1000), .bodyTooLarge(1000))
    }

    // MARK: Malformed

    func testMalformedStatusLines() {
        for line in ["HTTP/1.1 OK", "HTTP/2 200 OK", "HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "ICY 200 OK", "HTTP/1.1 200OK",
                     "HTTP/1.1  200 OK", "http/1.1 200 OK", "HTTP/1.1 099 Low", "HTTP/1.1 101 Switching Protocols", "<html>"] {
            XCTAssertEqual(Self.failure("\(line)\r\nContent-Length: 0\r\n\r\n"), Self.bad, line)
        }
    }

    func testMalformedHeaders() {
        for header in ["No-Colon", ": no name", "Bad Name: x", "Name : x", " Folded: x", "\tFolded: x", "Nul: a\u{0}b", "CR: a\rb",
                       "Content-Length: abc", "Content-Length: -1", "Content-Length: 5, 6", "Content-Length: 1234567890123456789",
                       "Transfer-Encoding: gzip", "Transfer-Encoding: gzip, chunked", "Transfer-Encoding: chunked, chunked"] {
            XCTAssertEqual(Self.failure("HTTP/1.1 200 OK\r\n\(header)\r\n\r\nbody"), Self.bad, header)
        }
    }

    func testMalformedChunks() {
        for chunks in ["zz\r\n", "\r\n", "-1\r\n", "0x5\r\nhello\r\n", "5 x\r\nhello\r\n", "1234567890abcdef0\r\n",
                       "5\r\nhelloXX\r\n0\r\n\r\n", "5\r\nhello\r\r\n"] {
            XCTAssertEqual(Self.failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\(chunks)"), Self.bad, chunks)
        }
    }

    func testAHeadLargerThanTheLimitIsMalformedNotBuffered() {
        let huge = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Pad: \(String(repeating: "a", count: 1000))\r\n", count: 70)
        XCTAssertEqual(Self.failure(huge), Self.bad)
        XCTAssertEqual(Self.failure("HTTP/1.1 200 OK\r\nX-Long: " + String(repeating: "a", count: 70_000)), Self.bad,
                       "a line without an end is refused once past the limit")
    }

    // MARK: Read boundaries

    func testEveryWireGivesTheSameAnswerWhateverTheReadBoundaries() throws {
        let wires = [
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\":[1,2]}",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nT: 1\r\n\r\n",
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnop",
            "HTTP/1.1 200 OK\nA: 1\n\nto the close",
            "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX",
        ]
        for wire in wires {
            let whole = Self.outcome([Array(wire.utf8)])
            let bytes = Array(wire.utf8)
            XCTAssertEqual(Self.outcome(bytes.map { [$0] }), whole, "byte by byte: \(wire)")
            for split in 1..<bytes.count {
                XCTAssertEqual(Self.outcome([Array(bytes[..<split]), Array(bytes[split...])]), whole, "split at \(split): \(wire)")
            }
        }
    }

    // MARK: Helpers

    /// The response complete before any end of stream, or nil.
    static func readWithoutClose(_ wire: String, cap: Int = 1 << 20) throws -> HTTPResponse? {
        var reader = HTTPResponseReader(maxBodyBytes: cap)
        return try reader.feed(Array(wire.utf8))
    }

    /// The error reading `wire` then the end of stream gives, or nil on success.
    static func failure(_ wire: String, cap: Int = 1 << 20) -> TransportError? {
        guard case .failure(let error) = outcome([Array(wire.utf8)], cap: cap) else { return nil }
        return error
    }

    /// What reading `pieces` in order, then the end of stream, gives.
    static func outcome(_ pieces: [[UInt8]], cap: Int = 1 << 20) -> Outcome {
        var reader = HTTPResponseReader(maxBodyBytes: cap)
        do {
            for piece in pieces {
                if let response = try reader.feed(piece) { return .success(Outcome.Value(response)) }
            }
            return .success(Outcome.Value(try reader.finish()))
        } catch {
            return .failure(error)
        }
    }

    enum Outcome: Equatable {
        struct Value: Equatable {
            var status: Int
            var headers: HTTPHeaders
            var body: [UInt8]
            init(_ response: HTTPResponse) {
                status = response.status
                headers = response.headers
                body = response.body
            }
        }
        case success(Value)
        case failure(TransportError)
    }
}
