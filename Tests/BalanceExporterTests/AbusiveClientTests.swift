import BalanceTestSupport
import Dispatch
import Foundation
import Synchronization
import XCTest
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceHTTP
@testable import BalanceSockets

/// Hostile and broken clients against the exporter's real server on
/// 127.0.0.1 (the exporter's router over an `HTTPServer`, so the test can
/// read `openConnections`), with small limits so each test takes seconds.
///
/// Every test runs its abuse on a background thread while the test thread
/// scrapes `/metrics` over fresh connections: each scrape must be answered
/// within `promptSeconds`. Afterwards the server must hold no connection
/// and the process no more sockets or threads than before the abuse.
///
/// The server's deadlines run on the monotonic clock inside `poll`, so the
/// attacks pace themselves with real (short) sleeps: there is no clock to
/// inject there.
final class AbusiveClientTests: XCTestCase {
    /// What a user would call "promptly" for a scrape on loopback.
    static let promptSeconds = 2.0

    struct FloodOutcome: Sendable {
        var refused = 0
        var cut = 0
        var maxOpen = 0
    }

    struct Target: Sendable {
        let server: HTTPServer
        let port: Int
        let descriptors: Int
        let threads: Int
    }

    /// The exporter with `accounts` fake accounts behind its router, served
    /// with `limits`; warmed up by one scrape, then the baseline is taken.
    func startExporter(accounts: Int = 3, limits: ServerLimits) throws -> Target {
        let clock = TestClock()
        let provider = FakeProvider(available: 1234.56, clock: clock)
        let schema = ProviderSchema(name: "fake", defaultEndpoint: "http://127.0.0.1:1", keys: [], defaultRequestsPerSecond: 1000,
                                    defaultMaxConcurrency: 100, make: { _, _ in provider })
        let config = makeConfig((0..<accounts).map { makeAccount("account-\($0)", currency: "USD") })
        let exporter = Exporter(source: .fixed(config), environment: [:], logger: .discard, clock: clock, schemas: [schema])
        XCTAssertNil(exporter.reload())
        return try startServer(Router(exporter), limits: limits)
    }

    /// `handler` served with `limits`; warmed up by one scrape of
    /// `/metrics`, then the baseline is taken.
    func startServer(_ handler: any HTTPHandler, limits: ServerLimits) throws -> Target {
        let (server, port) = try startLoopbackServer(handler, limits: limits)
        addTeardownBlock { server.shutdown(grace: 0) }
        let warmUp = try RawHTTPClient.get(port: port, path: "/metrics", timeout: 30)
        XCTAssertEqual(warmUp.status, 200)
        // Let the warm-up connection's thread finish before counting.
        XCTAssertTrue(waitUntil(timeout: 5) { server.openConnections == 0 })
        return Target(server: server, port: port, descriptors: Self.openDescriptors(), threads: Self.threadCount())
    }

    // MARK: Slowloris

    func testSlowlorisClientsAreCutAtTheReadTimeoutAndScrapesStayPrompt() throws {
        // One address plays the slow clients and the scraper here: no per-peer limit (it has its own tests).
        let target = try startExporter(limits: ServerLimits(maxConnections: 512, maxConnectionsPerPeer: 512, readTimeout: 1, idleTimeout: 1))
        let clients = 200
        let request = Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n".utf8)
        let report = Report()
        let heldAtEnd = Shared(-1)
        let latencies = scrapesDuring(target, seconds: 30) {
            let connections = (0..<clients).compactMap { _ in try? RawHTTPConnection(port: target.port, timeout: 3) }
            report.check(connections.count == clients, "opened \(connections.count) of \(clients) connections")
            // One byte every 0.5 s: after 3 s a client has sent 6 of its 50
            // bytes; the read timeout (1 s for the whole head) ended it long before.
            var cut = [Bool](repeating: false, count: connections.count)
            for byte in request.prefix(6) {
                for (index, connection) in connections.enumerated() where !cut[index] {
                    do { try connection.send([byte]) } catch { cut[index] = true }
                }
                Thread.sleep(forTimeInterval: 0.5)
            }
            // The clients still hold their sockets; the server must not.
            heldAtEnd.value = target.server.openConnections
            var answered408 = 0
            for connection in connections {
                switch Result(catching: { try connection.readResponse() }) {
                case .success(let response) where response.status == 408: answered408 += 1
                case .success(let response): report.fail("a slow client was answered \(response.status)")
                case .failure(RawHTTPError.timeout): report.fail("a slow client is still held open")
                case .failure: break  // cut with a reset after the 408: also fine
                }
                connection.close()
            }
            report.check(answered408 > clients / 2, "only \(answered408) of \(clients) slow clients saw 408")
        }
        report.assertClean()
        XCTAssertGreaterThanOrEqual(latencies.count, 5, "scrapes ran during the attack")
        // At most the test's own scrape in flight; 200 if reading slowly kept a slot.
        XCTAssertLessThanOrEqual(heldAtEnd.value, 1, "slow clients were all cut after the 1 s read timeout")
        assertBackToBaseline(target)
    }

    // MARK: Connection flood

    func testAFloodBeyondTheCapIsRefusedAtOnceAndHeldSlotsExpire() throws {
        let target = try startExporter(limits: ServerLimits(maxConnections: 20, readTimeout: 1, idleTimeout: 1))
        let report = Report()
        let flooding = Shared(true)
        let release = DispatchSemaphore(value: 0)
        let outcome = Shared(FloodOutcome())
        let flood = inBackground {
            var connections: [RawHTTPConnection] = []
            for _ in 0..<100 {
                guard let connection = try? RawHTTPConnection(port: target.port, timeout: 3) else {
                    report.fail("connect failed during the flood")
                    continue
                }
                connections.append(connection)
                outcome.update { $0.maxOpen = max($0.maxOpen, target.server.openConnections) }
            }
            // Silent clients: refused ones read 503 at once, admitted ones
            // are closed when their 1 s read timeout passes.
            for connection in connections {
                switch Result(catching: { try connection.readResponse() }) {
                case .success(let response) where response.status == 503: outcome.update { $0.refused += 1 }
                case .success(let response): report.fail("a silent client was answered \(response.status)")
                case .failure(RawHTTPError.timeout): report.fail("a silent client is still held open")
                case .failure: outcome.update { $0.cut += 1 }
                }
            }
            flooding.value = false
            release.wait()  // hold the sockets open until the test has scraped
            connections.forEach { $0.close() }
        }
        // While the flood holds every slot a scrape is refused, but at once.
        let latencies = scrapeWhile(target, flooding, accepting: [200, 503])
        XCTAssertEqual(target.server.openConnections, 0, "every flood connection was closed by the server")
        let afterwards = try RawHTTPClient.get(port: target.port, path: "/metrics", timeout: Self.promptSeconds)
        XCTAssertEqual(afterwards.status, 200, "the cap frees up although the flooders never closed")
        release.signal()
        XCTAssertTrue(flood.wait(seconds: 30))
        report.assertClean()
        let (refused, cut, maxOpen) = (outcome.value.refused, outcome.value.cut, outcome.value.maxOpen)
        XCTAssertEqual(refused + cut, 100)
        XCTAssertGreaterThanOrEqual(refused, 75, "the excess is answered 503 (cut: \(cut))")
        XCTAssertLessThanOrEqual(maxOpen, 20, "never more connections than the cap")
        XCTAssertGreaterThanOrEqual(latencies.count, 3)
        assertBackToBaseline(target)
    }

    // MARK: Oversized heads

    func testOversizedRequestLinesAndHeadersAreRefusedWithoutBufferingThem() throws {
        let target = try startExporter(limits: ServerLimits(readTimeout: 5, idleTimeout: 1, maxRequestLineBytes: 8 * 1024,
                                                            maxHeadBytes: 24 * 1024))
        let report = Report()
        let megabyte = 1 << 20
        let cases: [(String, prefix: String, filler: String, status: Int)] = [
            ("endless request line", "GET /", "a", 414),
            ("endless header value", "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Long: ", "v", 431),
            ("endless header fields", "GET /metrics HTTP/1.1\r\nHost: x\r\n", "X-F: v\r\n", 431),
            ("endless header name", "GET /metrics HTTP/1.1\r\nHost: x\r\n", "N", 431),
        ]
        let latencies = scrapesDuring(target) {
            for round in 0..<10 {
                for (name, prefix, filler, status) in cases {
                    do {
                        let connection = try RawHTTPConnection(port: target.port, timeout: 5)
                        defer { if round % 2 == 0 { connection.reset() } else { connection.close() } }
                        let sent = try streamUntilAnswered(connection, prefix: Array(prefix.utf8), filler: Array(filler.utf8), limit: 8 * megabyte)
                        let response = try connection.readResponse()
                        report.check(response.status == status, "\(name): answered \(response.status), want \(status)")
                        report.check(response.headers["Connection"] == "close", "\(name): not closed")
                        // Refused near the limit, not after reading everything the client had.
                        report.check(sent < 4 * megabyte, "\(name): the server read \(sent) bytes before answering")
                    } catch {
                        report.fail("\(name): \(error)")
                    }
                }
            }
            do {
                let connection = try RawHTTPConnection(port: target.port, timeout: 5)
                try connection.send("POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n")
                report.check(try connection.readResponse().status == 413, "a huge Content-Length is refused")
            } catch {
                report.fail("huge Content-Length: \(error)")
            }
        }
        report.assertClean()
        XCTAssertGreaterThanOrEqual(latencies.count, 1, "a scrape ran during the attack")
        assertBackToBaseline(target)
    }

    // MARK: Garbage

    func testBinaryGarbageAndInvalidUTF8AreAnswered400AndClosed() throws {
        let target = try startExporter(limits: ServerLimits(readTimeout: 1, idleTimeout: 1))
        let report = Report()
        // A TLS 1.2 ClientHello's first bytes: someone pointing https:// at us.
        let clientHello: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00, 0x00, 0xA1, 0x03, 0x03] + (0..<32).map { UInt8($0) }
            + Array("\r\n\r\n".utf8)
        let cases: [(String, [UInt8], Int)] = [
            ("invalid UTF-8 in the target", Array("GET /".utf8) + [0xFF, 0xFE] + Array(" HTTP/1.1\r\nHost: x\r\n\r\n".utf8), 400),
            ("UTF-8 in the target", Array("GET /zoë HTTP/1.1\r\nHost: x\r\n\r\n".utf8), 400),
            ("NUL in the method", Array("G".utf8) + [0] + Array("ET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), 400),
            ("invalid UTF-8 method", [0xC3, 0x28] + Array(" / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), 400),
            ("invalid UTF-8 header value", Array("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Bad: ".utf8) + [0xC3, 0x28, 0xFF] + Array("\r\n\r\n".utf8), 400),
            ("NUL in a header value", Array("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Bad: a".utf8) + [0] + Array("b\r\n\r\n".utf8), 400),
            ("binary header name", Array("GET /metrics HTTP/1.1\r\nHost: x\r\n".utf8) + [0x80, 0x81] + Array(": v\r\n\r\n".utf8), 400),
            ("bare CR line ends", Array("GET /metrics HTTP/1.1\rHost: x\r\r".utf8) + Array("\r\n\r\n".utf8), 400),
            ("TLS ClientHello", clientHello, 400),
            ("HTTP/2 preface", Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8), 505),
        ]
        let latencies = scrapesDuring(target) {
            for round in 0..<3 {
                for (name, wire, status) in cases {
                    do {
                        let connection = try RawHTTPConnection(port: target.port, timeout: 3)
                        try connection.send(wire)
                        let response = try connection.readResponse()
                        report.check(response.status == status, "\(name): answered \(response.status), want \(status)")
                        report.check(response.headers["Connection"] == "close", "\(name): connection not closed")
                        report.check(connection.waitForClose(within: 2), "\(name): the server kept the connection")
                    } catch {
                        report.fail("\(name): \(error)")
                    }
                }
                // Deterministic random bytes, half with a head end so they get parsed.
                var seed = UInt64(0xBAD5EED + round)
                for blob in 0..<20 {
                    var bytes = (0..<(1 + blob * 97)).map { _ -> UInt8 in
                        seed = seed &* 6364136223846793005 &+ 1442695040888963407
                        return UInt8(truncatingIfNeeded: seed >> 33)
                    }
                    if blob % 2 == 0 { bytes += Array("\r\n\r\n".utf8) }
                    guard let connection = try? RawHTTPConnection(port: target.port, timeout: 3) else {
                        report.fail("connect failed")
                        continue
                    }
                    try? connection.send(bytes)
                    if blob % 2 == 0 {
                        // A complete (if absurd) head is refused at once.
                        let status = (try? connection.readResponse())?.status ?? 0
                        report.check((400..<600).contains(status), "garbage blob \(blob): answered \(status)")
                        report.check(connection.waitForClose(within: 2), "garbage blob \(blob): the server kept the connection")
                    }
                    if blob % 3 == 0 { connection.reset() } else { connection.close() }
                }
            }
            // A percent-encoded invalid sequence is plain ASCII: routed (404), kept alive.
            do {
                let connection = try RawHTTPConnection(port: target.port, timeout: 3)
                try connection.send("GET /%FF%FE%00%C3%28 HTTP/1.1\r\nHost: x\r\nX-Name: Zoë 🙂\r\n\r\n")
                report.check(try connection.readResponse().status == 404, "percent-encoded garbage path is 404")
                try connection.send(RawHTTPClient.wire(path: "/metrics"))
                report.check(try connection.readResponse().status == 200, "the connection serves the next request")
            } catch {
                report.fail("percent-encoded garbage: \(error)")
            }
        }
        report.assertClean()
        XCTAssertGreaterThanOrEqual(latencies.count, 1, "a scrape ran during the attack")
        assertBackToBaseline(target)
    }

    // MARK: Floods before the request line

    func testACRLFFloodIsRefusedAndTheServerKeepsServing() throws {
        let target = try startExporter(limits: ServerLimits(readTimeout: 5, idleTimeout: 1))
        let report = Report()
        let latencies = scrapesDuring(target) {
            for round in 0..<10 {
                for filler in ["\r\n", "\n"] {
                    do {
                        let connection = try RawHTTPConnection(port: target.port, timeout: 5)
                        defer { if round % 2 == 0 { connection.reset() } else { connection.close() } }
                        // Empty lines and nothing else, as fast as the server takes them.
                        let sent = try streamUntilAnswered(connection, prefix: [], filler: Array(filler.utf8), limit: 64 << 20)
                        let response = try connection.readResponse()
                        report.check([400, 431].contains(response.status), "\(filler.debugDescription) flood: answered \(response.status)")
                        // Refused at once: what was sent fills the socket buffers at most, not the 64 MiB on offer.
                        report.check(sent < 8 << 20, "\(filler.debugDescription) flood: the server took \(sent) bytes before answering")
                        report.check(connection.waitForClose(within: 2), "\(filler.debugDescription) flood: not closed")
                    } catch {
                        report.fail("\(filler.debugDescription) flood: \(error)")
                    }
                }
            }
        }
        report.assertClean()
        XCTAssertGreaterThanOrEqual(latencies.count, 1, "a scrape ran during the attack")
        assertBackToBaseline(target)
    }

    func testGarbageIsAnsweredAtOnceNotAfterTheReadTimeout() throws {
        // The read timeout is the product's 10 s; every answer must come well before it.
        let target = try startExporter(limits: ServerLimits(readTimeout: 10, idleTimeout: 1))
        let report = Report()
        // A TLS 1.2 ClientHello's start (https:// pointed at us), which never holds a line end.
        let clientHello: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00, 0x00, 0xA1, 0x03, 0x03] + (0..<32).map { UInt8($0) }
        var seed: UInt64 = 0x6A7B
        let random = (0..<64).map { _ -> UInt8 in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: seed >> 33)
        }
        let cases: [(String, [UInt8], Int)] = [
            ("TLS ClientHello", clientHello, 400),
            ("SSH banner", Array("SSH-2.0-OpenSSH_9.6p1 Debian-3\r\n".utf8), 400),
            ("random bytes", random, 400),
            ("a request line without a version", Array("GET /metrics\r\n".utf8), 400),
            ("HTTP/2 preface line", Array("PRI * HTTP/2.0\r\n".utf8), 505),
        ]
        let latencies = scrapesDuring(target) {
            for (name, wire, status) in cases {
                do {
                    // Then silence: only the bytes already sent can get the answer.
                    let connection = try RawHTTPConnection(port: target.port, timeout: Self.promptSeconds)
                    try connection.send(wire)
                    let response = try connection.readResponse()
                    report.check(response.status == status, "\(name): answered \(response.status), want \(status)")
                    report.check(connection.waitForClose(within: Self.promptSeconds), "\(name): the server kept the connection")
                } catch {
                    report.fail("\(name): \(error)")
                }
            }
        }
        report.assertClean()
        XCTAssertGreaterThanOrEqual(latencies.count, 1)
        assertBackToBaseline(target)
    }

    // MARK: Idle connections at the cap

    func testIdleKeepAliveConnectionsBeyondTheCapDoNotLockScrapesOut() throws {
        let limits = ServerLimits()  // the product's: 512 connections, 64 per peer
        let needed = 2 * 620 + 200  // both ends of every connection in this one process, and spare
        let fileLimit = FileLimit.raiseToHardLimit() ?? 0
        if fileLimit < needed {
            let message = "the open-file limit \(fileLimit) is below the \(needed) this test needs"
            if ProcessInfo.processInfo.environment["CI"] == "true" { return XCTFail(message) }
            throw XCTSkip(message)
        }
        let target = try startExporter(limits: limits)
        let report = Report()
        let latencies = scrapesDuring(target, seconds: 120) {
            func idleConnections(_ count: Int, from sources: [String]) -> [RawHTTPConnection] {
                (0..<count).compactMap { index in
                    do {
                        let connection = try RawHTTPConnection(port: target.port, source: sources[index % sources.count], timeout: 5)
                        try connection.send(RawHTTPClient.wire(path: "/-/healthy"))
                        let status = try connection.readResponse().status
                        report.check(status == 200, "idle connection \(index) was answered \(status)")
                        return connection
                    } catch {
                        report.fail("idle connection \(index): \(error)")
                        return nil
                    }
                }
            }
            // 520 from ten addresses (52 each, under the per-peer limit): over the server's cap.
            let spread = idleConnections(520, from: (10..<20).map { "127.0.0.\($0)" })
            report.check(target.server.openConnections <= limits.maxConnections, "\(target.server.openConnections) open")
            report.check(spread.filter { $0.waitForClose(within: 0.01) }.count >= 8, "the oldest idle ones made room")
            // 100 from one address: it loses its own oldest, never more than 64 open.
            let single = idleConnections(100, from: ["127.0.0.20"])
            let open = single.filter { !$0.waitForClose(within: 0.01) }.count
            report.check(open <= limits.maxConnectionsPerPeer, "\(open) open from one address")
            report.check(target.server.refusedConnections.values.allSatisfy { $0 == 0 }, "refused \(target.server.refusedConnections)")
            (spread + single).forEach { $0.close() }
        }
        report.assertClean()
        XCTAssertGreaterThanOrEqual(latencies.count, 3, "scrapes ran while the idle connections filled the server")
        assertBackToBaseline(target)
    }

    func testARefusedConnectionFloodLogsABoundedNumberOfLines() throws {
        let logs = LogCapture()
        let clock = TestClock()
        let provider = FakeProvider(available: 1, clock: clock)
        let schema = ProviderSchema(name: "fake", defaultEndpoint: "http://127.0.0.1:1", keys: [], defaultRequestsPerSecond: 1000,
                                    defaultMaxConcurrency: 100, make: { _, _ in provider })
        var options = ExporterOptions()
        options.listenAddresses = ["127.0.0.1:0"]
        options.serverLimits = ServerLimits(maxConnections: 100, maxConnectionsPerPeer: 4, readTimeout: 30)
        let exporter = Exporter(source: .fixed(makeConfig([makeAccount("a")])), options: options, environment: [:],
                                logger: logs.logger(level: .info), clock: clock, schemas: [schema])
        try exporter.start()
        addTeardownBlock { exporter.shutdown(grace: 0) }
        let port = exporter.boundPorts[0]
        let before = try RawHTTPClient.get(port: port, path: "/metrics").text
        XCTAssertTrue(before.contains("balance_exporter_http_connections_refused_total{reason=\"per_peer\"} 0\n"), before)
        // One address at its limit with connections busy in their heads: none can make room.
        let held = try (0..<4).map { _ in
            let connection = try RawHTTPConnection(port: port, source: "127.0.0.2", timeout: 5)
            try connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\n")
            return connection
        }
        let flood = 2000
        var refused = 0
        for _ in 0..<flood {
            let connection = try RawHTTPConnection(port: port, source: "127.0.0.2", timeout: 5)
            if (try? connection.readResponse())?.status == 503 { refused += 1 }
            connection.close()
        }
        XCTAssertEqual(refused, flood)
        let body = try RawHTTPClient.get(port: port, path: "/metrics").text
        XCTAssertTrue(body.contains("balance_exporter_http_connections_refused_total{reason=\"per_peer\"} \(flood)\n"), body)
        XCTAssertTrue(body.contains("balance_exporter_http_connections_refused_total{reason=\"max_connections\"} 0\n"), body)
        let lines = logs.all.filter { $0.contains("Refusing connections") }
        XCTAssertEqual(lines.count, 1, "one line a minute, not one per refusal: \(lines.prefix(3))")
        XCTAssertTrue(lines.first?.contains("reason=per_peer") == true, "\(lines)")
        withExtendedLifetime(held) {}
    }

    // MARK: Request target forms

    func testAbsoluteFormAndAsteriskTargets() throws {
        let target = try startExporter(limits: ServerLimits(readTimeout: 1, idleTimeout: 1))
        func exchange(_ wire: String, on existing: RawHTTPConnection? = nil) throws -> (RawHTTPResponse, RawHTTPConnection) {
            let connection = try existing ?? RawHTTPConnection(port: target.port, timeout: 3)
            try connection.send(wire)
            return (try connection.readResponse(), connection)
        }
        // RFC 9112 §3.2.2: a server must accept absolute-form; we are no proxy,
        // so the host part is ignored and the path served.
        for wire in ["GET http://127.0.0.1/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                     "GET HTTP://127.0.0.1:\(target.port)/metrics?debug=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                     "GET http://example.invalid/metrics HTTP/1.0\r\n\r\n"] {
            let (response, _) = try exchange(wire)
            XCTAssertEqual(response.status, 200, wire)
            XCTAssertTrue(response.text.contains("balance_up{"), wire)
        }
        let (landing, _) = try exchange("GET http://127.0.0.1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        XCTAssertEqual(landing.status, 200)
        XCTAssertTrue(landing.text.contains("<h1>balance_exporter</h1>"))

        // `OPTIONS *` asks about the server as a whole: a client error at
        // most, never a server error, and the connection stays usable.
        let (options, connection) = try exchange("OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        XCTAssertLessThan(options.status, 500)
        XCTAssertNotEqual(options.headers["Connection"], "close")
        let (next, _) = try exchange("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", on: connection)
        XCTAssertEqual(next.status, 200)
        connection.close()

        // `*` is only for OPTIONS; authority-form only for CONNECT (a proxy's).
        for wire in ["GET * HTTP/1.1\r\nHost: x\r\n\r\n", "CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n",
                     "GET http:///metrics HTTP/1.1\r\nHost: x\r\n\r\n", "GET ftp://x/metrics HTTP/1.1\r\nHost: x\r\n\r\n"] {
            let (response, connection) = try exchange(wire)
            XCTAssertEqual(response.status, 400, wire)
            XCTAssertTrue(connection.waitForClose(within: 2), wire)
            connection.close()
        }
        XCTAssertLessThan(try timedScrape(target).seconds, Self.promptSeconds)
        assertBackToBaseline(target)
    }

    // MARK: Resets mid-response

    func testClientsResettingMidResponseOfALargeMetricsBody() throws {
        // Enough accounts that the answer cannot sit whole in socket buffers.
        let target = try startExporter(accounts: 3000, limits: ServerLimits(readTimeout: 2, idleTimeout: 1, writeTimeout: 1))
        let bodySize = try RawHTTPClient.get(port: target.port, path: "/metrics", timeout: 10).body.count
        XCTAssertGreaterThan(bodySize, 1 << 20, "a large body")
        let report = Report()
        let latencies = scrapesDuring(target, minimumBody: bodySize / 2) {
            for round in 0..<12 {
                do {
                    let connection = try RawHTTPConnection(port: target.port, timeout: 5)
                    connection.shrinkReceiveBuffer()  // a small window: the answer trickles out
                    let accept = round % 2 == 0 ? "application/openmetrics-text;version=1.0.0" : "text/plain"
                    try connection.send(RawHTTPClient.wire(path: "/metrics", headers: [("Host", "x"), ("Accept", accept)]))
                    report.check(!connection.waitForClose(within: 3), "the answer starts arriving")
                    connection.reset()
                } catch {
                    report.fail("reset round \(round): \(error)")
                }
            }
        }
        report.assertClean()
        XCTAssertGreaterThanOrEqual(latencies.count, 3)
        assertBackToBaseline(target)
    }

    func testClientsThatStopReadingAreDroppedAfterTheWriteTimeout() throws {
        // 32 MiB: more than the kernel's socket buffers on both sides can
        // take (tcp_wmem autotunes up to 4 MiB), so the server's write blocks.
        let big = HTTPResponse(status: 200, body: [UInt8](repeating: 0x78, count: 32 << 20))
        let small = HTTPResponse.text(200, "balance_up{provider=\"fake\",uin=\"a\"} 1\n")
        let target = try startServer(LoopbackHandler { $0.path == "/big" ? big : small },
                                     limits: ServerLimits(readTimeout: 2, idleTimeout: 30, writeTimeout: 1))
        let report = Report()
        let heldAtEnd = Shared(-1)
        let latencies = scrapesDuring(target) {
            var stalled: [RawHTTPConnection] = []
            for round in 0..<10 {
                do {
                    let connection = try RawHTTPConnection(port: target.port, timeout: 5)
                    connection.shrinkReceiveBuffer()
                    try connection.send(RawHTTPClient.wire(path: "/big"))
                    report.check(!connection.waitForClose(within: 3), "the answer starts arriving")
                    // Half reset mid-answer; half just stop reading and keep the socket.
                    if round % 2 == 0 { connection.reset() } else { stalled.append(connection) }
                } catch {
                    report.fail("round \(round): \(error)")
                }
            }
            Thread.sleep(forTimeInterval: 2)
            heldAtEnd.value = target.server.openConnections
            stalled.forEach { $0.close() }
        }
        report.assertClean()
        XCTAssertGreaterThanOrEqual(latencies.count, 3)
        // At most the test's own scrape in flight; 5 if the stalled readers kept their slots.
        XCTAssertLessThanOrEqual(heldAtEnd.value, 1, "clients that stopped reading were dropped after the 1 s write timeout")
        assertBackToBaseline(target)
    }

    // MARK: Harness

    /// Runs `attack` on a thread of its own and scrapes (`scrapeWhile`)
    /// until it ends, which must be within `seconds`. Returns the latencies.
    private func scrapesDuring(_ target: Target, seconds: Double = 60, minimumBody: Int = 0,
                               file: StaticString = #filePath, line: UInt = #line,
                               _ attack: @escaping @Sendable () -> Void) -> [Double] {
        let attacking = Shared(true)
        let background = inBackground {
            defer { attacking.value = false }
            attack()
        }
        let latencies = scrapeWhile(target, attacking, minimumBody: minimumBody, file: file, line: line)
        XCTAssertTrue(background.wait(seconds: seconds), "the attack finished", file: file, line: line)
        return latencies
    }

    /// Scrapes `/metrics` over fresh connections until `running` turns
    /// false; each answer must come within `promptSeconds` with a status in
    /// `accepting` (and for 200 a metrics body). Returns the latencies.
    private func scrapeWhile(_ target: Target, _ running: Shared<Bool>, accepting: Set<Int> = [200], minimumBody: Int = 0,
                     file: StaticString = #filePath, line: UInt = #line) -> [Double] {
        var latencies: [Double] = []
        while running.value {
            do {
                let (response, seconds) = try timedScrape(target)
                latencies.append(seconds)
                XCTAssertLessThan(seconds, Self.promptSeconds, "a scrape took \(seconds) s during the abuse", file: file, line: line)
                XCTAssertTrue(accepting.contains(response.status), "scrape answered \(response.status)", file: file, line: line)
                if response.status == 200 {
                    XCTAssertTrue(response.text.contains("balance_up{"), "a metrics body", file: file, line: line)
                    XCTAssertGreaterThanOrEqual(response.body.count, minimumBody, file: file, line: line)
                }
            } catch {
                XCTFail("a scrape failed during the abuse: \(error)", file: file, line: line)
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return latencies
    }

    func timedScrape(_ target: Target) throws -> (response: RawHTTPResponse, seconds: Double) {
        let start = RawHTTPConnection.now()
        // The client's own limit is a little above "prompt" so a slow answer is measured, not cut.
        let response = try RawHTTPClient.get(port: target.port, path: "/metrics", timeout: Self.promptSeconds + 3)
        return (response, RawHTTPConnection.now() - start)
    }

    /// Connections, descriptors and threads come back to what they were
    /// before the abuse (the server notices closes asynchronously).
    func assertBackToBaseline(_ target: Target, file: StaticString = #filePath, line: UInt = #line) {
        // Seconds normally; generous for sanitizer builds, where handlers run 10x slower.
        let settled = waitUntil(timeout: 20) {
            target.server.openConnections == 0 && Self.openDescriptors() <= target.descriptors && Self.threadCount() <= target.threads
        }
        XCTAssertTrue(settled, """
            not back to baseline: connections \(target.server.openConnections), \
            sockets \(Self.openDescriptors()) (before \(target.descriptors)), \
            threads \(Self.threadCount()) (before \(target.threads))
            """, file: file, line: line)
    }

    /// Open socket descriptors of the process. Sockets only: a sanitizer
    /// runtime opens pipes to its symbolizer at its first report.
    static func openDescriptors() -> Int {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return -1 }
        return entries.count { entry in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry))?.hasPrefix("socket:") == true
        }
    }

    static func threadCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
    }
}

/// A value shared between the test thread and an attack's thread.
private final class Shared<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) { storage = Mutex(value) }

    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }

    func update(_ change: (inout Value) -> Void) {
        storage.withLock { change(&$0) }
    }
}

/// Failures seen on a background thread, asserted later on the test thread.
private final class Report: Sendable {
    private let failures = Mutex<[String]>([])

    func fail(_ message: String) {
        failures.withLock { $0.append(message) }
    }

    func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fail(message()) }
    }

    func assertClean(file: StaticString = #filePath, line: UInt = #line) {
        let seen = failures.withLock { $0 }
        // Many clients may fail alike: show the first few.
        XCTAssertTrue(seen.isEmpty, "\(seen.count) failure(s): \(seen.prefix(5).joined(separator: "; "))", file: file, line: line)
    }
}

/// A thread running an attack; `wait` joins it.
private struct BackgroundAttack {
    let done: DispatchSemaphore

    func wait(seconds: Double) -> Bool {
        done.wait(timeout: .now() + seconds) == .success
    }
}

private func inBackground(_ body: @escaping @Sendable () -> Void) -> BackgroundAttack {
    let done = DispatchSemaphore(value: 0)
    // A thread of its own: the attack blocks, and must not sit on the
    // Swift concurrency pool the exporter's refreshes run on.
    Thread {
        body()
        done.signal()
    }.start()
    return BackgroundAttack(done: done)
}

/// Sends `prefix`, then `filler` over and over, until the server answers
/// (or closes), or `limit` bytes went out. Returns the bytes sent.
private func streamUntilAnswered(_ connection: RawHTTPConnection, prefix: [UInt8], filler: [UInt8], limit: Int) throws -> Int {
    try connection.send(prefix)
    var sent = prefix.count
    let chunk = Array([[UInt8]](repeating: filler, count: max(1, 4096 / filler.count)).joined())
    let deadline = RawHTTPConnection.now() + connection.timeout
    while sent < limit && RawHTTPConnection.now() < deadline {
        let ready = try Socket.poll([connection.socket], events: Socket.readable | Socket.writable, timeout: 0.5)
        if ready[0] & Socket.readable != 0 || ready[0] & Int16(POLLHUP | POLLERR) != 0 { break }
        guard ready[0] & Socket.writable != 0 else { continue }
        do {
            sent += try connection.socket.send(chunk)
        } catch {
            break  // reset by the server: its answer, if any, is still readable
        }
    }
    return sent
}

extension RawHTTPConnection {
    /// A receive buffer of a few KiB: the server's write of a large answer
    /// then blocks, as with a slow or stalled client.
    fileprivate func shrinkReceiveBuffer() {
        var size: Int32 = 4096
        _ = setsockopt(socket.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }
}
