import BalanceTestSupport
@testable import BalanceHTTP
import Glibc
import Foundation
import Synchronization
import XCTest

/// `SocketTransport` over real sockets, plain HTTP, against loopback
/// upstreams only: the real `HTTPServer` for well-formed answers,
/// `ScriptedUpstream` and `LiveTrickleServer` for what a misbehaving
/// upstream does. TLS is in SocketTransportTLSTests.
final class SocketTransportTests: XCTestCase {
    // MARK: Answers

    func testAGetReturnsStatusLowerCasedHeadersAndBody() async throws {
        let port = try serveOnLoopback { _ in .text(200, "balance: 42", headers: [("X-MS-User", "7")]) }
        let response = try await SocketTransport().call("GET", Self.url("http://127.0.0.1:\(port)/b"))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["x-ms-user"], "7")
        XCTAssertEqual(response.headers["content-type"], "text/plain; charset=utf-8")
        XCTAssertEqual(response.bodyText, "balance: 42")
    }

    func testAPostArrivesExactlyAsSent() async throws {
        let received = Mutex<HTTPRequest?>(nil)
        let port = try serveOnLoopback { request in
            received.withLock { $0 = request }
            return .text(201, "created")
        }
        let body: [UInt8] = Array(#"{"a":"é"}"#.utf8) + [0, 255, 13, 10]
        let response = try await SocketTransport().call("POST", Self.url("http://127.0.0.1:\(port)/p/a%20th?x=1&y=%2F"),
                                                        headers: [("User-Agent", "balance_exporter/test"), ("X-Custom", "a  b; c=\"d\""),
                                                                  ("Content-Type", "application/json"), ("X-Custom", "second")],
                                                        body: body)
        XCTAssertEqual(response.status, 201)
        let seen = try XCTUnwrap(received.withLock { $0 })
        XCTAssertEqual(seen.method, "POST")
        XCTAssertEqual(seen.target, "/p/a%20th?x=1&y=%2F")
        XCTAssertEqual(seen.headers.map { "\($0.name): \($0.value)" }, [
            "Host: 127.0.0.1:\(port)", "User-Agent: balance_exporter/test", "X-Custom: a  b; c=\"d\"",
            "Content-Type: application/json", "X-Custom: second", "Content-Length: \(body.count)", "Connection: close",
        ])
        XCTAssertEqual(seen.body, body)
    }

    func testARedirectIsReturnedNotFollowed() async throws {
        let hits = Mutex(0)
        let port = try serveOnLoopback { _ in
            hits.withLock { $0 += 1 }
            return HTTPResponse(status: 302, headers: [("Location", "/elsewhere")], body: [])
        }
        let response = try await SocketTransport().call("GET", Self.url("http://127.0.0.1:\(port)/"))
        XCTAssertEqual(response.status, 302)
        XCTAssertEqual(response.headers["location"], "/elsewhere")
        XCTAssertEqual(hits.withLock { $0 }, 1)
    }

    func testAChunkedAnswerSentInPieces() async throws {
        let port = try scriptedUpstream { connection in
            guard connection.readRequestHead() != nil else { return }
            connection.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n4;ext=1\r\n{\"a\"")
            Thread.sleep(forTimeInterval: 0.02)
            connection.send("\r\n3\r\n:1}\r\n0\r\n\r\n")
            connection.stall(0.5)  // complete by its framing: no close needed
        }
        let started = Date()
        let response = try await SocketTransport().call("GET", Self.url("http://127.0.0.1:\(port)/"), timeout: 5)
        XCTAssertEqual(response.bodyText, #"{"a":1}"#)
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.4)
    }

    func testIPv6Loopback() async throws {
        let server = HTTPServer(addresses: [ListenAddress(host: .numeric("::1"), port: 0)], logger: .discard,
                                handler: LoopbackHandler { request in .text(200, "v6 \(request.headers["Host"] ?? "")") })
        do {
            try server.start()
        } catch {
            throw XCTSkip("no IPv6 loopback here: \(error)")
        }
        addTeardownBlock { server.shutdown(grace: 0) }
        let port = try XCTUnwrap(server.boundPorts.first)
        let response = try await SocketTransport().call("GET", Self.url("http://[::1]:\(port)/"))
        XCTAssertEqual(response.bodyText, "v6 [::1]:\(port)")
    }

    func testANameIsResolvedAndEachAddressTried() async throws {
        // localhost may resolve to ::1 first; the server listens on 127.0.0.1 only.
        let port = try serveOnLoopback { request in .text(200, request.headers["Host"] ?? "") }
        let response = try await SocketTransport().call("GET", Self.url("http://localhost:\(port)/"))
        XCTAssertEqual(response.bodyText, "localhost:\(port)")
    }

    func testConcurrentRequestsEachGetTheirOwnAnswer() async throws {
        let port = try serveOnLoopback { request in .text(200, request.path) }
        let transport = SocketTransport()
        let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<32 {
                group.addTask {
                    let response = try await transport.call("GET", Self.url("http://127.0.0.1:\(port)/\(index)"))
                    return (index, response.bodyText)
                }
            }
            var all: [Int: String] = [:]
            for try await (index, text) in group { all[index] = text }
            return all
        }
        XCTAssertEqual(answers, Dictionary(uniqueKeysWithValues: (0..<32).map { ($0, "/\($0)") }))
    }

    // MARK: Failures

    func testARefusedPortFailsAtOnce() async throws {
        let port = try liveClosedPort()
        let started = Date()
        let error = await Self.failure(SocketTransport(), "http://127.0.0.1:\(port)/secret?token=secret", timeout: 5)
        XCTAssertEqual(error, .network("connection refused"))
        XCTAssertFalse("\(String(describing: error))".contains("secret"))
        XCTAssertLessThan(Date().timeIntervalSince(started), 1)
    }

    func testAnUpstreamThatNeverAnswersTimesOutAtTheDeadline() async throws {
        let port = try serveNeverAnswering()
        let started = Date()
        let error = await Self.failure(SocketTransport(), "http://127.0.0.1:\(port)/", timeout: 0.5)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(error, .timeout)
        XCTAssertGreaterThanOrEqual(elapsed, 0.45)
        XCTAssertLessThan(elapsed, 1.5)
    }

    func testATricklingBodyEndsAtTheDeadline() async throws {
        let upstream = try LiveTrickleServer(trickling: [UInt8](repeating: 0x61, count: 200), interval: 0.05, bound: 15)
        addTeardownBlock { upstream.stop() }
        let started = Date()
        let error = await Self.failure(SocketTransport(), "http://127.0.0.1:\(upstream.port)/", timeout: 0.6)
        XCTAssertEqual(error, .timeout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.5, "a deadline over the whole exchange, not per read")
        XCTAssertGreaterThan(upstream.bodyBytesSent, 0)
    }

    func testAnEndlessBodyIsCutAtTheCap() async throws {
        let upstream = try LiveTrickleServer(endlessPieces: 4096, of: 16 << 10, bound: 15)
        addTeardownBlock { upstream.stop() }
        let error = await Self.failure(SocketTransport(maxBodyBytes: 64 << 10), "http://127.0.0.1:\(upstream.port)/", timeout: 10)
        XCTAssertEqual(error, .bodyTooLarge(64 << 10))
        XCTAssertLessThan(upstream.bodyBytesSent, 16 << 20, "reading stopped soon after the cap")
    }

    func testAResetMidBodyIsALostConnection() async throws {
        let port = try scriptedUpstream { connection in
            guard connection.readRequestHead() != nil else { return }
            connection.send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
            Thread.sleep(forTimeInterval: 0.05)
            connection.reset()
        }
        let error = await Self.failure(SocketTransport(), "http://127.0.0.1:\(port)/", timeout: 5)
        XCTAssertEqual(error, .network("connection lost"))
    }

    func testACloseBeforeAnyAnswerIsALostConnection() async throws {
        let port = try scriptedUpstream { connection in _ = connection.readRequestHead() }
        let error = await Self.failure(SocketTransport(), "http://127.0.0.1:\(port)/", timeout: 5)
        XCTAssertEqual(error, .network("connection lost"))
    }

    func testAnAnswerThatIsNotHTTPIsABadServerResponse() async throws {
        let port = try scriptedUpstream { connection in
            connection.send("SSH-2.0-OpenSSH_9.2\r\n\r\n")
            connection.stall(0.5)
        }
        let error = await Self.failure(SocketTransport(), "http://127.0.0.1:\(port)/", timeout: 5)
        XCTAssertEqual(error, .network("bad server response"))
    }

    // MARK: Cancellation

    func testCancellingEndsTheExchangeAtOnce() async throws {
        let (arrivals, arrived) = AsyncStream.makeStream(of: Void.self)
        let port = try serveNeverAnswering(arrivals: arrived)
        let transport = SocketTransport()
        let exchange = Task { await SocketTransportTests.failure(transport, "http://127.0.0.1:\(port)/", timeout: 5) }
        var iterator = arrivals.makeAsyncIterator()
        _ = await iterator.next()  // the request reached the upstream
        let started = Date()
        exchange.cancel()
        let error = await exchange.value
        XCTAssertEqual(error, .cancelled)
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.5)
    }

    func testATaskCancelledBeforeSendingNeverConnects() async throws {
        let hits = Mutex(0)
        let port = try serveOnLoopback { _ in
            hits.withLock { $0 += 1 }
            return .text(200, "")
        }
        let transport = SocketTransport()
        let exchange = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await SocketTransportTests.failure(transport, "http://127.0.0.1:\(port)/", timeout: 5)
        }
        let error = await exchange.value
        XCTAssertEqual(error, .cancelled)
        try await Task.sleep(nanoseconds: 100_000_000)
        XCTAssertEqual(hits.withLock { $0 }, 0)
    }

    // MARK: Helpers

    static func url(_ text: String) -> HTTPURL {
        guard let url = HTTPURL(string: text) else { preconditionFailure("test URL \(text)") }
        return url
    }

    /// The transport's error for a GET of `url`, nil (and a test failure) on success.
    static func failure(_ transport: SocketTransport, _ url: String, timeout: Double,
                        file: StaticString = #filePath, line: UInt = #line) async -> TransportError? {
        do {
            let response = try await transport.call("GET", Self.url(url), timeout: timeout)
            XCTFail("expected a failure, got \(response.status)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }
}
