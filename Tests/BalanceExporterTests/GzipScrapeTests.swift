import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceHTTP

/// gzip answers of /metrics: negotiated by Accept-Encoding, one valid gzip
/// member (checked by Python's zlib, not by our own code) carrying exactly
/// the identity body, and compressed once per change of the cached part.
final class GzipScrapeTests: XCTestCase {
    func startExporter(accounts: Int) throws -> (Exporter, Int) {
        let clock = TestClock(now: 10_000)
        let provider = FakeProvider(available: 12.5, clock: clock)
        let schema = ProviderSchema(name: "fake", defaultEndpoint: "http://127.0.0.1:1", keys: [], defaultRequestsPerSecond: 1000,
                                    defaultMaxConcurrency: 10, make: { _, _ in provider })
        let config = ExporterConfig(providerLimits: ["fake": ProviderLimits(requestsPerSecond: .infinity, maxConcurrency: 10)],
                                    accounts: (0..<accounts).map { makeAccount("acct-\($0)") }, source: "test")
        let exporter = Exporter(source: .fixed(config), environment: [:], logger: .discard, clock: clock, schemas: [schema])
        XCTAssertNil(exporter.reload())
        let port = try serveOnLoopback(Router(exporter))
        return (exporter, port)
    }

    /// The body without the process_* lines, which change between scrapes.
    func accountPart(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("process_") && !$0.hasPrefix("# HELP process_") && !$0.hasPrefix("# TYPE process_") }
            .joined(separator: "\n")
    }

    func testGzipScrapeOverASocketDecompressesToTheIdentityBody() throws {
        let (_, port) = try startExporter(accounts: 300)
        let connection = try RawHTTPConnection(port: port)
        try connection.send(RawHTTPClient.wire(path: "/metrics"))
        let identity = try connection.readResponse()
        XCTAssertNil(identity.headers["Content-Encoding"])
        XCTAssertNil(identity.headers["Vary"])
        for _ in 0..<2 {  // the second answer comes from the cached compressed part
            try connection.send(RawHTTPClient.wire(path: "/metrics", headers: [("Host", "127.0.0.1"), ("Accept-Encoding", "gzip, deflate")]))
            let gzipped = try connection.readResponse()
            XCTAssertEqual(gzipped.status, 200)
            XCTAssertEqual(gzipped.headers["Content-Encoding"], "gzip")
            XCTAssertEqual(gzipped.headers["Vary"], "Accept-Encoding")
            XCTAssertEqual(gzipped.headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
            XCTAssertLessThan(gzipped.body.count, identity.body.count / 4, "compressed")
            let text = try gunzip(gzipped.body)
            XCTAssertEqual(accountPart(text), accountPart(identity.text))
            XCTAssertTrue(text.contains("\nprocess_cpu_seconds_total "), "fresh process metrics after the cached part")
            XCTAssertTrue(text.contains(#"balance_available{provider="fake",uin="acct-299"} 12.5"#))
        }
    }

    func testOpenMetricsGzipEndsWithOneEOF() throws {
        let (_, port) = try startExporter(accounts: 2)
        let response = try RawHTTPClient.get(port: port, path: "/metrics", headers: [
            ("Accept", "application/openmetrics-text; version=1.0.0"), ("Accept-Encoding", "gzip")])
        XCTAssertEqual(response.headers["Content-Encoding"], "gzip")
        let text = try gunzip(response.body)
        XCTAssertTrue(text.hasSuffix("\n# EOF\n"), text)
        XCTAssertEqual(text.components(separatedBy: "# EOF").count, 2)
    }

    func testPrometheus3ScrapesGetOpenMetricsGzipEveryTimeAndOtherClientsTheirOwnAnswer() throws {
        let (_, port) = try startExporter(accounts: 2)
        let accept = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
        let connection = try RawHTTPConnection(port: port)
        for _ in 0..<3 {  // the negotiation is kept after the first scrape
            try connection.send(RawHTTPClient.wire(path: "/metrics", headers: [
                ("Host", "127.0.0.1"), ("Accept", accept), ("Accept-Encoding", "gzip"), ("X-Prometheus-Scrape-Timeout-Seconds", "10")]))
            let response = try connection.readResponse()
            XCTAssertEqual(response.headers["Content-Type"], "application/openmetrics-text; version=1.0.0; charset=utf-8")
            XCTAssertEqual(response.headers["Content-Encoding"], "gzip")
            XCTAssertTrue(try gunzip(response.body).hasSuffix("\n# EOF\n"))
        }
        // Header names in any case; an Accept split over two fields is one list.
        try connection.send(RawHTTPClient.wire(path: "/metrics", headers: [
            ("Host", "x"), ("accept", "text/plain;q=0.2"), ("ACCEPT", "application/openmetrics-text;q=0.3")]))
        let split = try connection.readResponse()
        XCTAssertEqual(split.headers["Content-Type"], "application/openmetrics-text; version=1.0.0; charset=utf-8")
        XCTAssertNil(split.headers["Content-Encoding"])
        try connection.send(RawHTTPClient.wire(path: "/metrics", headers: [("Host", "x"), ("accept-ENCODING", "gzip")]))
        let bare = try connection.readResponse()
        XCTAssertEqual(bare.headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
        XCTAssertEqual(bare.headers["Content-Encoding"], "gzip")
    }

    func testNoGzipUnlessAcceptEncodingAllowsIt() throws {
        let (_, port) = try startExporter(accounts: 1)
        for headers in [[], [("Accept-Encoding", "gzip;q=0")], [("Accept-Encoding", "br, identity")], [("Accept-Encoding", "*;q=0")]] {
            let response = try RawHTTPClient.get(port: port, path: "/metrics", headers: headers)
            XCTAssertNil(response.headers["Content-Encoding"], "\(headers)")
            XCTAssertNil(response.headers["Vary"], "\(headers)")
            XCTAssertTrue(response.text.hasPrefix("# HELP "), "\(headers)")
        }
        let head = try RawHTTPConnection(port: port)
        try head.send(RawHTTPClient.wire(method: "HEAD", path: "/metrics", headers: [("Host", "x"), ("Accept-Encoding", "x-gzip")]))
        let answer = try head.readResponse(method: "HEAD")
        XCTAssertEqual(answer.headers["Content-Encoding"], "gzip")
        XCTAssertEqual(answer.body, [])
    }

    func testCompressionIsKeptWithTheCachedPartUntilItChanges() {
        let cache = RenderCache(clock: TestClock())
        var renders = 0
        let key = RenderCache.Key(generation: 1, exporterVersion: 1)
        func render() -> RenderCache.Rendered {
            renders += 1
            return RenderCache.Rendered(body: Array(String(repeating: "balance_x 1\n", count: 1000).utf8), validUntil: .infinity,
                                        key: RenderCache.Key(generation: UInt64(renders), exporterVersion: 1))
        }
        let first = cache.gzipPrefix(format: .text004, key: key, now: 0, render: render)
        let second = cache.gzipPrefix(format: .text004, key: key, now: 1, render: render)
        XCTAssertEqual(renders, 1)
        let sameBuffer = first?.bytes.withUnsafeBufferPointer { a in second?.bytes.withUnsafeBufferPointer { $0.baseAddress == a.baseAddress } }
        XCTAssertEqual(sameBuffer, true, "the second scrape reuses the compressed bytes")
        _ = cache.gzipPrefix(format: .text004, key: RenderCache.Key(generation: 2, exporterVersion: 1), now: 2, render: render)
        XCTAssertEqual(renders, 2, "a change renders (and compresses) again")
    }
}
