import XCTest
@testable import BalanceExporter

final class HTTPRequestParserTests: XCTestCase {
    /// Feeds `wire` at once and collects results up to the first
    /// `.needMoreData` or `.error` (included).
    private func parse(_ wire: [UInt8], limits: ServerLimits = ServerLimits()) -> [RequestParser.Result] {
        var parser = RequestParser(limits: limits)
        parser.append(wire)
        var results: [RequestParser.Result] = []
        while true {
            let result = parser.next()
            results.append(result)
            if case .request = result { continue }
            return results
        }
    }

    private func parse(_ wire: String, limits: ServerLimits = ServerLimits()) -> [RequestParser.Result] {
        parse(Array(wire.utf8), limits: limits)
    }

    private func single(_ wire: String, file: StaticString = #filePath, line: UInt = #line) -> HTTPRequest? {
        let results = parse(wire)
        guard results.count == 2, case .request(let request) = results[0], results[1] == .needMoreData else {
            XCTFail("expected one request, got \(results)", file: file, line: line)
            return nil
        }
        return request
    }

    private func status(_ wire: String, limits: ServerLimits = ServerLimits()) -> Int? {
        status(Array(wire.utf8), limits: limits)
    }

    private func status(_ wire: [UInt8], limits: ServerLimits = ServerLimits()) -> Int? {
        if case .error(let error) = parse(wire, limits: limits).last { return error.status }
        return nil
    }

    // MARK: Well-formed

    func testDecodesASimpleGet() throws {
        let request = try XCTUnwrap(single("GET /metrics?debug=1 HTTP/1.1\r\nHost: localhost:9788\r\nAccept: text/plain;version=0.0.4 \r\n\r\n"))
        XCTAssertEqual(request.method, "GET")
        XCTAssertEqual(request.target, "/metrics?debug=1")
        XCTAssertEqual(request.path, "/metrics")
        XCTAssertEqual(request.query, "debug=1")
        XCTAssertEqual(request.minorVersion, 1)
        XCTAssertEqual(request.header("host"), "localhost:9788")
        XCTAssertEqual(request.header("ACCEPT"), "text/plain;version=0.0.4", "optional whitespace is trimmed")
        XCTAssertEqual(request.body, [])
    }

    func testDecodesABodyFramedByContentLength() throws {
        let request = try XCTUnwrap(single("POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"))
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.body, Array("hello".utf8))
    }

    func testHTTP10NeedsNoHost() throws {
        let request = try XCTUnwrap(single("GET / HTTP/1.0\r\n\r\n"))
        XCTAssertEqual(request.minorVersion, 0)
    }

    func testLaterHTTP1MinorVersionsAreServedAs11() throws {
        XCTAssertEqual(try XCTUnwrap(single("GET / HTTP/1.7\r\nHost: x\r\n\r\n")).minorVersion, 1)
    }

    func testAcceptsBareLineFeedsAndLeadingEmptyLines() throws {
        let request = try XCTUnwrap(single("\r\n\nGET /a HTTP/1.1\nHost: x\n\n"))
        XCTAssertEqual(request.path, "/a")
        XCTAssertEqual(request.header("Host"), "x")
    }

    func testAbsoluteFormIsReducedToThePath() throws {
        XCTAssertEqual(try XCTUnwrap(single("GET http://example.com:9788/metrics?x=1 HTTP/1.1\r\nHost: h\r\n\r\n")).target, "/metrics?x=1")
        XCTAssertEqual(try XCTUnwrap(single("GET HTTPS://example.com HTTP/1.1\r\nHost: h\r\n\r\n")).target, "/")
        XCTAssertEqual(try XCTUnwrap(single("GET http://example.com?a HTTP/1.1\r\nHost: h\r\n\r\n")).target, "/?a")
        XCTAssertEqual(status("GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n"), 400)
    }

    func testAsteriskTargetOnlyForOptions() throws {
        XCTAssertEqual(try XCTUnwrap(single("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n")).target, "*")
        XCTAssertEqual(status("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), 400)
        XCTAssertEqual(status("GET example.com:80 HTTP/1.1\r\nHost: h\r\n\r\n"), 400, "authority-form is for CONNECT")
    }

    func testRepeatedIdenticalContentLengthIsAccepted() throws {
        let request = try XCTUnwrap(single("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok"))
        XCTAssertEqual(request.body, Array("ok".utf8))
    }

    // MARK: Incremental and pipelined

    func testTwoPipelinedRequestsInOneBufferComeOutInOrder() {
        let results = parse("GET /first HTTP/1.1\r\nHost: x\r\n\r\nPOST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /thi")
        XCTAssertEqual(results.count, 3)
        guard case .request(let first) = results[0], case .request(let second) = results[1] else {
            return XCTFail("\(results)")
        }
        XCTAssertEqual(first.path, "/first")
        XCTAssertEqual(second.path, "/second")
        XCTAssertEqual(second.body, Array("abc".utf8))
        XCTAssertEqual(results[2], .needMoreData)
    }

    func testByteByByteFeedingGivesTheSameRequests() {
        let wire = Array("GET /a?b=c HTTP/1.1\r\nHost: x\r\nX-Y: z\r\n\r\nPUT /p HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody".utf8)
        let whole = parse(wire).compactMap { result -> HTTPRequest? in
            if case .request(let r) = result { return r }
            return nil
        }
        XCTAssertEqual(whole.count, 2)

        var parser = RequestParser()
        var trickled: [HTTPRequest] = []
        for (index, byte) in wire.enumerated() {
            parser.append([byte])
            while case .request(let request) = parser.next() { trickled.append(request) }
            if index < 10 { XCTAssertTrue(parser.hasPartialRequest) }
        }
        XCTAssertEqual(trickled, whole)
        XCTAssertFalse(parser.hasPartialRequest, "nothing left over after the last body byte")
    }

    func testIncompleteHeadAndBodyNeedMoreData() {
        XCTAssertEqual(parse("GET / HTTP/1.1\r\nHost: x\r\n"), [.needMoreData])
        XCTAssertEqual(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345"), [.needMoreData])
        var parser = RequestParser()
        XCTAssertFalse(parser.hasPartialRequest)
        XCTAssertEqual(parser.next(), .needMoreData)
    }

    // MARK: Malformed

    func testMalformedRequestLinesAre400() {
        for wire in [
            "GET /\r\nHost: x\r\n\r\n",                // no version
            "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",      // double space
            "GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
            "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",       // method not a token
            "GET / HTTP/1.x\r\nHost: x\r\n\r\n",
            "GET / FOO/1.1\r\nHost: x\r\n\r\n",
            "GET / http/1.1\r\nHost: x\r\n\r\n",       // the name is case-sensitive
            "GET /a\u{7}b HTTP/1.1\r\nHost: x\r\n\r\n", // control byte in the target
            "GET /é HTTP/1.1\r\nHost: x\r\n\r\n",       // raw non-ASCII target
            "\u{16}\u{3}\u{1}\u{0}\r\n\r\n",            // TLS-ish garbage
        ] {
            XCTAssertEqual(status(wire), 400, wire.debugDescription)
        }
    }

    func testHTTP2AndLaterAre505() {
        XCTAssertEqual(status("GET / HTTP/2.0\r\nHost: x\r\n\r\n"), 505)
        XCTAssertEqual(status("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505)
    }

    func testMalformedHeaderFieldsAre400() {
        for field in [
            "X-Folded: a\r\n continued",      // obs-fold (RFC 9112 §5.2)
            "X-Space : value",                // whitespace before the colon
            "No colon here",
            ": empty name",
            "X-Bad(Name): v",
            "X-Ctl: a\u{1}b",
        ] {
            XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: x\r\n\(field)\r\n\r\n"), 400, field.debugDescription)
        }
        let invalidUTF8 = Array("GET / HTTP/1.1\r\nHost: x\r\nX-Bytes: ".utf8) + [0xC3, 0x28] + Array("\r\n\r\n".utf8)
        XCTAssertEqual(status(invalidUTF8), 400)
    }

    func testHostIsRequiredOnceIn11() {
        XCTAssertEqual(status("GET / HTTP/1.1\r\n\r\n"), 400)
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"), 400)
    }

    func testInvalidOrConflictingContentLengthIs400() {
        for value in ["abc", "-1", "+5", "0x10", "", "5 5", "1,2"] {
            XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(value)\r\n\r\n"), 400, value)
        }
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"), 400)
    }

    func testTransferEncodingIsRefused() {
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 411)
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc"), 400,
                       "both framings at once is a smuggling attempt")
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"), 400)
        XCTAssertEqual(status("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400)
    }

    func testAnErrorIsFinal() {
        var parser = RequestParser()
        parser.append(Array("BAD\r\n\r\n".utf8))
        XCTAssertEqual(parser.next(), .error(HTTPParseError(status: 400, detail: "malformed request line")))
        parser.append(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        guard case .error = parser.next() else { return XCTFail("a failed parser must stay failed") }
    }

    // MARK: Limits

    func testRequestLineLimitIs414() {
        let limit = ServerLimits().maxRequestLineBytes
        let fits = "GET /" + String(repeating: "a", count: limit - "GET / HTTP/1.1".count) + " HTTP/1.1"
        XCTAssertEqual(fits.utf8.count, limit)
        XCTAssertNotNil(single(fits + "\r\nHost: x\r\n\r\n"))
        let tooLong = "GET /" + String(repeating: "a", count: limit - "GET / HTTP/1.1".count + 1) + " HTTP/1.1"
        XCTAssertEqual(status(tooLong + "\r\nHost: x\r\n\r\n"), 414)
        // Without waiting for the line's end: a client streaming an endless line is stopped early.
        XCTAssertEqual(status("GET /" + String(repeating: "a", count: limit + 10)), 414)
    }

    func testHeaderSectionSizeLimitIs431() {
        let limits = ServerLimits()
        let big = "X-Big: " + String(repeating: "b", count: limits.maxHeaderBytes - "X-Big: \r\nHost: x\r\n".utf8.count)
        XCTAssertNotNil(single("GET / HTTP/1.1\r\nHost: x\r\n\(big)\r\n\r\n"), "exactly at the limit")
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: x\r\n\(big)b\r\n\r\n"), 431)
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "b", count: limits.maxHeaderBytes + 10)), 431,
                       "an unfinished oversized header is refused before it ends")
    }

    func testHeaderFieldCountLimitIs431() {
        let fields = (1..<100).map { "X-\($0): v\r\n" }.joined()
        XCTAssertNotNil(single("GET / HTTP/1.1\r\nHost: x\r\n\(fields)\r\n"), "100 fields are fine")
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: x\r\n\(fields)X-101: v\r\n\r\n"), 431)
    }

    func testBodyLimitIs413() {
        let limit = ServerLimits().maxBodyBytes
        XCTAssertEqual(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(limit)\r\n\r\n"), [.needMoreData])
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(limit + 1)\r\n\r\n"), 413)
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999999\r\n\r\n"), 413)
    }

    // MARK: Keep-alive

    func testKeepAliveDecision() throws {
        let cases: [(String, Bool)] = [
            ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, CLOSE\r\n\r\n", false),
            ("GET / HTTP/1.0\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
            ("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false),
        ]
        for (wire, keepAlive) in cases {
            XCTAssertEqual(try XCTUnwrap(single(wire)).wantsKeepAlive, keepAlive, wire.debugDescription)
        }
    }
}
