import BalanceTestSupport
import Dispatch
import Foundation
import Synchronization
import XCTest
@testable import BalanceHTTP
@testable import BalanceSockets

/// Live tests: the real server on 127.0.0.1, port 0, spoken to over raw sockets.
final class HTTPServerTests: XCTestCase {
    private static func echoPath(_ request: HTTPRequest) -> HTTPResponse {
        .text(200, request.method + " " + request.target + (request.body.isEmpty ? "" : " " + String(decoding: request.body, as: UTF8.self)))
    }

    private func serveEcho(limits: ServerLimits = ServerLimits()) throws -> Int {
        try serveOnLoopback(limits: limits) { Self.echoPath($0) }
    }

    // MARK: Keep-alive and pipelining

    func testKeepAliveServesTwoRequestsOnOneConnection() throws {
        let port = try serveEcho()
        let connection = try RawHTTPConnection(port: port)
        try connection.send(RawHTTPClient.wire(path: "/one"))
        let first = try connection.readResponse()
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.text, "GET /one")
        XCTAssertNil(first.headers["Connection"], "1.1 keeps the connection by default")
        try connection.send(RawHTTPClient.wire(path: "/two"))
        XCTAssertEqual(try connection.readResponse().text, "GET /two")
    }

    func testHTTP10KeepsTheConnectionOnlyWhenAsked() throws {
        let port = try serveEcho()
        let keeping = try RawHTTPConnection(port: port)
        for path in ["/a", "/b"] {
            try keeping.send(RawHTTPClient.wire(path: path, version: "HTTP/1.0", headers: [("Connection", "keep-alive")]))
            let response = try keeping.readResponse()
            XCTAssertEqual(response.text, "GET \(path)")
            XCTAssertEqual(response.headers["Connection"], "keep-alive")
        }

        let closing = try RawHTTPConnection(port: port)
        try closing.send(RawHTTPClient.wire(path: "/c", version: "HTTP/1.0", headers: []))
        let response = try closing.readResponse()
        XCTAssertEqual(response.text, "GET /c")
        XCTAssertEqual(response.headers["Connection"], "close")
        XCTAssertTrue(closing.waitForClose(within: 2))
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let port = try serveEcho()
        let connection = try RawHTTPConnection(port: port)
        try connection.send(RawHTTPClient.wire(path: "/1") + RawHTTPClient.wire(method: "POST", path: "/2", body: Array("body".utf8))
                            + RawHTTPClient.wire(path: "/3?q", headers: [("Host", "x"), ("Connection", "close")]))
        XCTAssertEqual(try connection.readResponse().text, "GET /1")
        XCTAssertEqual(try connection.readResponse().text, "POST /2 body")
        let last = try connection.readResponse()
        XCTAssertEqual(last.text, "GET /3?q")
        XCTAssertEqual(last.headers["Connection"], "close")
        XCTAssertTrue(connection.waitForClose(within: 2))
    }

    func testHeadGetsTheRealLengthAndNoBody() throws {
        let port = try serveOnLoopback { _ in .text(200, "hello world") }
        let connection = try RawHTTPConnection(port: port)
        // Pipelined: a stray body after the HEAD answer would corrupt the GET's.
        try connection.send(RawHTTPClient.wire(method: "HEAD", path: "/") + RawHTTPClient.wire(path: "/"))
        let head = try connection.readResponse(method: "HEAD")
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.headers["Content-Length"], "11")
        XCTAssertEqual(head.body, [])
        XCTAssertEqual(try connection.readResponse().text, "hello world")
    }

    // MARK: Bad requests

    func testBadRequestsAreAnsweredThenClosed() throws {
        let port = try serveEcho()
        let cases: [(String, [UInt8])] = [
            ("414", Array(("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n").utf8)),
            ("431", RawHTTPClient.wire(path: "/", headers: (0...100).map { ("X-\($0)", "v") })),
            ("413", Array("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n".utf8)),
            ("400", Array("hello there\r\n\r\n".utf8)),
            ("411", Array("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".utf8)),
            ("505", Array("GET / HTTP/2.0\r\nHost: x\r\n\r\n".utf8)),
        ]
        for (status, wire) in cases {
            let connection = try RawHTTPConnection(port: port)
            try connection.send(wire)
            let response = try connection.readResponse()
            XCTAssertEqual("\(response.status)", status)
            XCTAssertEqual(response.headers["Connection"], "close", status)
            XCTAssertTrue(response.text.hasPrefix(status), response.text)
            XCTAssertTrue(connection.waitForClose(within: 2), "\(status) closes the connection")
        }
    }

    func testGarbageNeverCrashesTheServer() throws {
        let port = try serveEcho(limits: ServerLimits(readTimeout: 0.5))
        var seed: UInt64 = 0x5EED
        func nextByte() -> UInt8 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407  // deterministic LCG
            return UInt8(truncatingIfNeeded: seed >> 33)
        }
        for round in 0..<30 {
            let connection = try RawHTTPConnection(port: port)
            var bytes = (0..<(1 + round * 67)).map { _ in nextByte() }
            if round % 3 == 0 { bytes += Array("\r\n\r\n".utf8) }  // end some heads so they get parsed
            try? connection.send(bytes)
            if round % 2 == 0 { connection.reset() } else { connection.close() }
        }
        XCTAssertEqual(try RawHTTPClient.get(port: port, path: "/still-alive").text, "GET /still-alive")
    }

    func testAClientResettingMidResponseDoesNotHurtTheServer() throws {
        let big = HTTPResponse(status: 200, body: [UInt8](repeating: 0x78, count: 8 << 20))
        let port = try serveOnLoopback { request in request.path == "/big" ? big : .text(200, "small") }
        for _ in 0..<3 {
            let connection = try RawHTTPConnection(port: port)
            try connection.send(RawHTTPClient.wire(path: "/big"))
            XCTAssertFalse(connection.waitForClose(within: 5), "the answer starts arriving")
            connection.reset()
        }
        XCTAssertEqual(try RawHTTPClient.get(port: port, path: "/").text, "small")
    }

    // MARK: Timeouts and slow clients

    func testASilentClientDoesNotDelayOthers() throws {
        let port = try serveEcho(limits: ServerLimits(readTimeout: 30, idleTimeout: 30))
        let silent = try RawHTTPConnection(port: port)
        let halfway = try RawHTTPConnection(port: port)
        try halfway.send("GET /never-finished HTTP/1.1\r\nHost: x\r\n")
        let start = RawHTTPConnection.now()
        XCTAssertEqual(try RawHTTPClient.get(port: port, path: "/now").text, "GET /now")
        XCTAssertLessThan(RawHTTPConnection.now() - start, 2)
        withExtendedLifetime((silent, halfway)) {}
    }

    func testIdleKeepAliveConnectionIsClosedAfterIdleTimeout() throws {
        let port = try serveEcho(limits: ServerLimits(readTimeout: 5, idleTimeout: 0.3))
        let connection = try RawHTTPConnection(port: port)
        try connection.send(RawHTTPClient.wire(path: "/"))
        XCTAssertEqual(try connection.readResponse().status, 200)
        let answered = RawHTTPConnection.now()
        XCTAssertTrue(connection.waitForClose(within: 3))
        XCTAssertGreaterThan(RawHTTPConnection.now() - answered, 0.25, "not before the idle timeout")
    }

    func testAnUnfinishedRequestGets408AfterTheReadTimeout() throws {
        let port = try serveEcho(limits: ServerLimits(readTimeout: 0.3, idleTimeout: 5))
        let connection = try RawHTTPConnection(port: port)
        try connection.send("GET / HTTP/1.1\r\nHost: x\r\n")
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 408)
        XCTAssertEqual(response.headers["Connection"], "close")
        XCTAssertTrue(connection.waitForClose(within: 2))
    }

    // MARK: Connection cap

    /// A connection that sent its request line and part of its head: busy
    /// with a request, so never closed to make room.
    private func busyConnection(port: Int, source: String? = nil) throws -> RawHTTPConnection {
        let connection = try RawHTTPConnection(port: port, source: source)
        try connection.send("GET /held HTTP/1.1\r\nHost: x\r\n")
        return connection
    }

    /// A keep-alive connection that was answered once and now waits.
    private func idleConnection(port: Int, source: String? = nil) throws -> RawHTTPConnection {
        let connection = try RawHTTPConnection(port: port, source: source)
        try connection.send(RawHTTPClient.wire(path: "/idle"))
        XCTAssertEqual(try connection.readResponse().status, 200)
        return connection
    }

    private func assertRefused(_ connection: RawHTTPConnection, file: StaticString = #filePath, line: UInt = #line) throws {
        let refusal = try connection.readResponse()
        XCTAssertEqual(refusal.status, 503, file: file, line: line)
        XCTAssertEqual(refusal.headers["Connection"], "close", file: file, line: line)
        XCTAssertTrue(connection.waitForClose(within: 2), file: file, line: line)
    }

    func testConnectionCapRefusesTheExcessWhenNoneIsIdle() throws {
        let (server, port) = try startLoopbackServer(LoopbackHandler { Self.echoPath($0) }, limits: ServerLimits(maxConnections: 2))
        addTeardownBlock { server.shutdown(grace: 0) }
        let first = try busyConnection(port: port)
        let second = try busyConnection(port: port)

        let excess = try RawHTTPConnection(port: port)
        try assertRefused(excess)
        XCTAssertEqual(server.refusedConnections, [.maxConnections: 1, .perPeer: 0])
        XCTAssertEqual(server.refusedConnectionCount, 1, "the total every scrape reads")

        try first.send("\r\n")
        XCTAssertEqual(try first.readResponse().text, "GET /held", "the held connections are still served")

        // A freed slot is usable again (the server notices the close asynchronously).
        second.close()
        let deadline = RawHTTPConnection.now() + 3
        var status = 0
        while status != 200 && RawHTTPConnection.now() < deadline {
            status = (try? RawHTTPClient.get(port: port, path: "/"))?.status ?? 0
        }
        XCTAssertEqual(status, 200)
    }

    func testAtTheCapAnIdleKeepAliveConnectionMakesRoom() throws {
        let (server, port) = try startLoopbackServer(LoopbackHandler { Self.echoPath($0) }, limits: ServerLimits(maxConnections: 2))
        addTeardownBlock { server.shutdown(grace: 0) }
        let idle = [try idleConnection(port: port), try idleConnection(port: port)]
        XCTAssertEqual(try RawHTTPClient.get(port: port, path: "/new").text, "GET /new", "admitted at the cap")
        let closed = idle.map { $0.waitForClose(within: 0.5) }
        XCTAssertEqual(closed.filter { $0 }.count, 1, "one idle connection made room")
        let kept = try XCTUnwrap(closed.firstIndex(of: false))
        try idle[kept].send(RawHTTPClient.wire(path: "/again"))
        XCTAssertEqual(try idle[kept].readResponse().text, "GET /again", "the other one still serves")
        XCTAssertEqual(server.refusedConnections, [.maxConnections: 0, .perPeer: 0])
    }

    func testAConnectionWithoutARequestLineWithinTheGraceMakesRoomFirst() throws {
        let grace = 0.3
        let (server, port) = try startLoopbackServer(LoopbackHandler { Self.echoPath($0) },
                                                     limits: ServerLimits(maxConnections: 2, requestLineGrace: grace))
        addTeardownBlock { server.shutdown(grace: 0) }
        let silent = try RawHTTPConnection(port: port)
        let idle = try idleConnection(port: port)
        // The server's deadlines run on its own monotonic clock: let the grace pass.
        Thread.sleep(forTimeInterval: grace + 0.2)
        XCTAssertEqual(try RawHTTPClient.get(port: port, path: "/new").status, 200)
        XCTAssertTrue(silent.waitForClose(within: 2), "the silent connection made room")
        try idle.send(RawHTTPClient.wire(path: "/again"))
        XCTAssertEqual(try idle.readResponse().text, "GET /again", "before any idle one")
    }

    func testOnePeerCannotTakeEverySlot() throws {
        let (server, port) = try startLoopbackServer(LoopbackHandler { Self.echoPath($0) },
                                                     limits: ServerLimits(maxConnections: 10, maxConnectionsPerPeer: 2))
        addTeardownBlock { server.shutdown(grace: 0) }
        // 127.0.0.2 at its limit with busy connections: its next one is refused, others are served.
        let busy = [try busyConnection(port: port, source: "127.0.0.2"), try busyConnection(port: port, source: "127.0.0.2")]
        try assertRefused(try RawHTTPConnection(port: port, source: "127.0.0.2"))
        XCTAssertEqual(try RawHTTPClient.get(port: port, path: "/other-peer").status, 200)
        XCTAssertEqual(server.refusedConnections, [.maxConnections: 0, .perPeer: 1])
        XCTAssertEqual(server.refusedConnectionCount, 1)
        // 127.0.0.3 at its limit with idle connections: it loses one of its own, nobody else does.
        let others = try idleConnection(port: port, source: "127.0.0.4")
        let idle = [try idleConnection(port: port, source: "127.0.0.3"), try idleConnection(port: port, source: "127.0.0.3")]
        let third = try RawHTTPConnection(port: port, source: "127.0.0.3")
        try third.send(RawHTTPClient.wire(path: "/third"))
        XCTAssertEqual(try third.readResponse().text, "GET /third")
        XCTAssertEqual(idle.map { $0.waitForClose(within: 0.5) }.filter { $0 }.count, 1)
        try others.send(RawHTTPClient.wire(path: "/again"))
        XCTAssertEqual(try others.readResponse().status, 200, "another peer's idle connection was left alone")
        XCTAssertEqual(server.refusedConnections[.perPeer], 1)
        withExtendedLifetime(busy) {}
    }

    func testTheVictimIsTheOldestStalledConnectionThenTheLongestIdle() {
        let grace = 2.0
        func victim(_ connections: [(id: Int, activity: ConnectionActivity, since: Double)]) -> Int? {
            HTTPServer.victim(among: connections, now: 100, grace: grace)
        }
        XCTAssertEqual(victim([(1, .idle, 50), (2, .idle, 40), (3, .serving, 10)]), 2, "the longest idle")
        XCTAssertEqual(victim([(1, .idle, 10), (2, .awaitingRequestLine, 97), (3, .awaitingRequestLine, 90)]), 3,
                       "no request line after the grace goes first")
        XCTAssertEqual(victim([(1, .idle, 10), (2, .awaitingRequestLine, 99)]), 1, "within its grace a fresh connection stays")
        XCTAssertNil(victim([(1, .serving, 10), (2, .awaitingRequestLine, 99)]), "nothing to close: refuse")
    }

    func testRepeatedEventsAreLoggedOncePerIntervalWithTheirCount() {
        var throttle = LogThrottle(interval: 60)
        XCTAssertEqual(throttle.record(now: 1000), 1, "the first at once")
        XCTAssertEqual((0..<500).compactMap { throttle.record(now: 1000 + Double($0) / 10) }, [], "then quiet")
        XCTAssertEqual(throttle.record(now: 1060), 501, "a minute later, with what was held back")
        XCTAssertEqual(throttle.record(now: 1061), nil)
        XCTAssertEqual(throttle.record(now: 2000), 2)
    }

    // MARK: Lifecycle

    func testGracefulShutdownFinishesInFlightRequestsAndRefusesNewOnes() throws {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let (server, port) = try startLoopbackServer(LoopbackHandler { request in
            if request.path == "/slow" {
                entered.signal()
                release.wait()
            }
            return .text(200, "done \(request.path)")
        })
        defer { server.shutdown(grace: 0) }

        let idle = try RawHTTPConnection(port: port)
        try idle.send(RawHTTPClient.wire(path: "/fast"))
        XCTAssertEqual(try idle.readResponse().status, 200)

        let slowAnswer = Locked<Result<RawHTTPResponse, RawHTTPError>?>(nil)
        let slowDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            slowAnswer.set(Result {
                let connection = try RawHTTPConnection(port: port, timeout: 10)
                try connection.send(RawHTTPClient.wire(path: "/slow"))
                return try connection.readResponse()
            }.mapError { $0 as? RawHTTPError ?? .malformed("\($0)") })
            slowDone.signal()
        }
        XCTAssertEqual(entered.wait(timeout: .now() + 5), .success)

        let shutdownDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            server.shutdown(grace: 10)
            shutdownDone.signal()
        }
        XCTAssertTrue(idle.waitForClose(within: 2), "idle keep-alive connections are closed at once")
        let refusedBy = RawHTTPConnection.now() + 2
        var refused = false
        while !refused && RawHTTPConnection.now() < refusedBy {
            do {
                _ = try RawHTTPConnection(port: port)
            } catch RawHTTPError.socket(let error) {
                refused = error.code == ECONNREFUSED
            }
        }
        XCTAssertTrue(refused, "new connections are refused while the slow request finishes")
        XCTAssertEqual(shutdownDone.wait(timeout: .now() + 0.2), .timedOut, "shutdown waits for the in-flight request")

        release.signal()
        XCTAssertEqual(shutdownDone.wait(timeout: .now() + 5), .success)
        XCTAssertEqual(slowDone.wait(timeout: .now() + 5), .success)
        let answer = try XCTUnwrap(slowAnswer.get()).get()
        XCTAssertEqual(answer.text, "done /slow")
        XCTAssertEqual(answer.headers["Connection"], "close", "the last answer announces the close")
    }

    func testShutdownCutsAStuckRequestAfterTheGracePeriod() throws {
        let release = DispatchSemaphore(value: 0)
        let entered = DispatchSemaphore(value: 0)
        let (server, port) = try startLoopbackServer(LoopbackHandler { _ in
            entered.signal()
            release.wait()
            return .text(200, "late")
        })
        defer { release.signal() }
        let connection = try RawHTTPConnection(port: port)
        try connection.send(RawHTTPClient.wire(path: "/stuck"))
        XCTAssertEqual(entered.wait(timeout: .now() + 5), .success)
        let start = RawHTTPConnection.now()
        server.shutdown(grace: 0.2)
        let took = RawHTTPConnection.now() - start
        XCTAssertGreaterThanOrEqual(took, 0.15)
        XCTAssertLessThan(took, 2)
        XCTAssertTrue(connection.waitForClose(within: 2), "the client is cut, not left hanging")
    }

    func testABusyPortIsAnErrorNamingTheAddress() throws {
        let (first, port) = try startLoopbackServer(LoopbackHandler { _ in .text(200, "") })
        defer { first.shutdown(grace: 0) }
        let busy = try ListenAddress(parsing: "127.0.0.1:\(port)")
        let second = HTTPServer(addresses: [.loopback(), busy], logger: .discard, handler: LoopbackHandler { _ in .text(200, "") })
        XCTAssertThrowsError(try second.start()) { error in
            XCTAssertEqual((error as? SocketError)?.description, "listen tcp 127.0.0.1:\(port): bind: address already in use")
        }
        XCTAssertEqual(second.boundAddresses, [], "nothing stays bound after a failed start")
        XCTAssertEqual(try RawHTTPClient.get(port: port, path: "/").status, 200, "the first server is unaffected")
    }

    #if os(Linux)
    func testShutdownReleasesEveryDescriptor() throws {
        func openDescriptors() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1 }
        let before = openDescriptors()
        let (server, port) = try startLoopbackServer(LoopbackHandler { .text(200, $0.path) })
        var clients: [RawHTTPConnection] = []
        for _ in 0..<3 {
            let client = try RawHTTPConnection(port: port)
            try client.send(RawHTTPClient.wire(path: "/"))
            _ = try client.readResponse()
            clients.append(client)
        }
        server.shutdown(grace: 1)
        clients.forEach { $0.close() }
        // Connection threads close their own descriptors just after shutdown
        // returns. Earlier tests' teardown may close descriptors meanwhile, so
        // a leak shows as more than before, not as a difference.
        let deadline = RawHTTPConnection.now() + 2
        while openDescriptors() > before && RawHTTPConnection.now() < deadline {
            _ = try? Socket.poll([], events: 0, timeout: 0.01)
        }
        XCTAssertLessThanOrEqual(openDescriptors(), before)
    }
    #endif

    func testStartingTwiceIsAnError() throws {
        let (server, _) = try startLoopbackServer(LoopbackHandler { _ in .text(200, "") })
        defer { server.shutdown(grace: 0) }
        XCTAssertThrowsError(try server.start())
    }
}

/// A value shared with a background closure.
private final class Locked<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func get() -> Value { value.withLock { $0 } }
    func set(_ newValue: Value) { value.withLock { $0 = newValue } }
}
