import BalanceTestSupport
import XCTest
@testable import BalanceHTTP

final class HTTPRequestParserTests: XCTestCase {
    /// Feeds `wire` at once and collects results up to the first
    /// `.needMoreData` or `.error` (included).
    private func parse(_ wire: [UInt8], limits: ServerLimits = ServerLimits()) -> [RequestParser.Outcome] {
        var parser = RequestParser(limits: limits)
        parser.append(wire)
        var results: [RequestParser.Outcome] = []
        while true {
            let result = parser.next()
            results.append(result)
            if case .request = result { continue }
            return results
        }
    }

    private func parse(_ wire: String, limits: ServerLimits = ServerLimits()) -> [RequestParser.Outcome] {
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
        XCTAssertEqual(request.headers["host"], "localhost:9788")
        XCTAssertEqual(request.headers["ACCEPT"], "text/plain;version=0.0.4", "optional whitespace is trimmed")
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
        XCTAssertEqual(request.headers["Host"], "x")
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

    func testAnEmptyTransferEncodingIs501() {
        // RFC 9112 §6.1: a coding the server does not understand is 501 (Go and nginx answer so).
        for value in ["", " ", ", ,"] {
            XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\(value)\r\n\r\n"), 501, value.debugDescription)
        }
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\nContent-Length: 0\r\n\r\n"), 501)
    }

    func testAnErrorIsFinal() {
        var parser = RequestParser()
        parser.append(Array("BAD\r\n\r\n".utf8))
        XCTAssertEqual(parser.next(), .error(HTTPParseError(status: 400, detail: "malformed method")))
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

    func testTheWholeHeadCountsAgainstOneBudget() {
        let limits = ServerLimits()
        let requestLine = "GET / HTTP/1.1\r\n", host = "Host: x\r\n", end = "\r\n"
        for leading in ["", "\r\n\r\n"] {
            // The empty lines before the request line, the request line and the fields: all of them count.
            let filler = limits.maxHeadBytes - (leading + requestLine + host + "X-Big: \r\n" + end).utf8.count
            let exact = leading + requestLine + host + "X-Big: " + String(repeating: "b", count: filler) + "\r\n" + end
            XCTAssertEqual(exact.utf8.count, limits.maxHeadBytes)
            XCTAssertNotNil(single(exact), "exactly at the limit")
            let over = leading + requestLine + host + "X-Big: " + String(repeating: "b", count: filler + 1) + "\r\n" + end
            XCTAssertEqual(status(over), 431, leading.debugDescription)
        }
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "b", count: limits.maxHeadBytes)), 431,
                       "an unfinished oversized head is refused before it ends")
        let manyFields = (0..<90).map { "X-\($0): " + String(repeating: "v", count: 300) + "\r\n" }.joined()
        XCTAssertEqual(status("GET / HTTP/1.1\r\nHost: x\r\n\(manyFields)\r\n"), 431, "fields under the count limit, over the byte budget")
    }

    func testAFewEmptyLinesBeforeARequestAreSkippedAFloodIs400() throws {
        // RFC 9112 §2.2: a stray CRLF after a POST body is tolerated (Go's net/http skips up to four bytes).
        let results = parse("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nb\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(results.count, 3, "\(results)")
        guard case .request(let second) = results[1] else { return XCTFail("\(results)") }
        XCTAssertEqual(second.path, "/b")
        XCTAssertEqual(status("\r\n\r\n\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"), 400)
        XCTAssertEqual(status(String(repeating: "\r\n", count: 3)), 400, "refused without waiting for a request line")
    }

    func testTheBufferStaysBoundedWhateverAClientSends() {
        // As the connection feeds it: 16 KiB reads, next() after each, until an answer.
        let chunk = HTTPConnection.receiveBufferSize
        func largestBuffer(feeding pattern: String, after prefix: String = "", total: Int = 4 << 20) -> (bytes: Int, status: Int?) {
            var parser = RequestParser()
            let unit = Array(pattern.utf8)
            var wire = Array(prefix.utf8)
            var fed = 0, largest = 0
            while fed < total {
                while wire.count < chunk { wire += unit }
                parser.append(Array(wire.prefix(chunk)))
                wire.removeFirst(chunk)
                fed += chunk
                largest = max(largest, parser.bufferedByteCount)
                var result = parser.next()
                while case .request = result { result = parser.next() }
                largest = max(largest, parser.bufferedByteCount)
                if case .error(let error) = result { return (largest, error.status) }
            }
            return (largest, nil)
        }
        let bound = ServerLimits().maxHeadBytes + 2 * chunk
        for (name, pattern, prefix, status) in [
            ("CRLF flood", "\r\n", "", 400), ("LF flood", "\n", "", 400),
            ("endless header fields", "X-F: v\r\n", "GET / HTTP/1.1\r\n", 431),
            ("endless request line", "a", "GET /", 414),
        ] {
            let (bytes, answered) = largestBuffer(feeding: pattern, after: prefix)
            XCTAssertEqual(answered, status, name)
            XCTAssertLessThanOrEqual(bytes, bound, name)
        }
        // 4 MiB of small pipelined requests, each with the CRLF an old client adds: served, and compacted.
        let (bytes, answered) = largestBuffer(feeding: "GET / HTTP/1.1\r\nHost: x\r\n\r\n\r\n")
        XCTAssertNil(answered)
        XCTAssertLessThanOrEqual(bytes, bound)
    }

    func testARequestLineIsRefusedAtTheFirstByteThatProvesItInvalid() {
        for (name, partial) in [
            ("TLS ClientHello", [0x16, 0x03, 0x01, 0x02, 0x00, 0x01]),
            ("SSH banner", Array("SSH-2.0-OpenSSH_9.6\r".utf8)),
            ("NUL in the method", Array("G".utf8) + [0]),
            ("double space", Array("GET  ".utf8)),
            ("control byte in the target", Array("GET /a".utf8) + [0x7F]),
            ("not a version", Array("GET / FTP".utf8)),
            ("junk after the version", Array("GET / HTTP/1.1 ".utf8)),
            ("bare CR", Array("GET / HTTP/1.1\rH".utf8)),
        ] as [(String, [UInt8])] {
            // No line end yet: the answer must not wait for one (nor for the read timeout).
            XCTAssertEqual(status(partial), 400, name)
        }
        XCTAssertEqual(parse("GET /metrics HTT"), [.needMoreData], "a valid prefix waits")
        // A complete request line is decoded at its end, before any header arrives.
        XCTAssertEqual(status("GET /\r\n"), 400)
        XCTAssertEqual(status("GET / HTTP/2.0\r\n"), 505)
        XCTAssertEqual(status("GET example.com HTTP/1.1\r\n"), 400)
        XCTAssertEqual(status("GET / HTTP/1.1\r\nno colon\r\n"), 400, "a bad field is refused when its line ends")
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
