import XCTest
@testable import BalanceExporter

final class RenderCacheTests: XCTestCase {
    func fakeSchema(_ provider: FakeProvider) -> ProviderSchema {
        ProviderSchema(name: "fake", defaultEndpoint: "http://127.0.0.1:1", keys: [], defaultRequestsPerSecond: 1000,
                       defaultMaxConcurrency: 10, make: { _, _ in provider })
    }

    func scrape(_ exporter: Exporter) -> String {
        String(decoding: exporter.metrics(HTTPRequest(method: "GET", target: "/metrics")).completeBody, as: UTF8.self)
    }

    func testCachedBodyFollowsRefreshesAndStalenessByTimeAlone() {
        let clock = TestClock(now: 10_000)
        let provider = FakeProvider(available: 12.5, clock: clock)
        let config = ExporterConfig(maxStale: 120, providerLimits: ["fake": ProviderLimits(requestsPerSecond: .infinity, maxConcurrency: 10)],
                                    accounts: [makeAccount("a", refreshInterval: 60)], source: "test")
        let exporter = Exporter(source: .fixed(config), environment: [:], logger: .discard, clock: clock, schemas: [fakeSchema(provider)])
        guard case .success(let prepared) = exporter.prepare() else { return XCTFail("prepare") }
        XCTAssertEqual(prepared.config.accounts.count, 1)
        XCTAssertNil(exporter.reload())

        XCTAssertTrue(scrape(exporter).contains(#"balance_available{provider="fake",uin="a"} 12.5"#))
        provider.succeed(available: 11)
        clock.advance(by: 30)
        XCTAssertTrue(scrape(exporter).contains(#"balance_available{provider="fake",uin="a"} 12.5"#), "cached within the interval")
        clock.advance(by: 30)
        XCTAssertTrue(scrape(exporter).contains(#"balance_available{provider="fake",uin="a"} 11"#), "refreshed after it")

        // A credential error backs off 5 minutes: no refresh, yet the
        // balance must disappear once max_stale (120 s) has passed.
        provider.fail(.auth)
        clock.advance(by: 60)
        var body = scrape(exporter)
        XCTAssertTrue(body.contains(#"balance_up{provider="fake",uin="a"} 0"#))
        XCTAssertTrue(body.contains(#"balance_available{provider="fake",uin="a"} 11"#))
        clock.advance(by: 61)
        body = scrape(exporter)
        XCTAssertEqual(provider.calls, 3)
        XCTAssertFalse(body.contains("balance_available{"), body)
        XCTAssertTrue(body.contains(#"balance_up{provider="fake",uin="a"} 0"#))
        XCTAssertTrue(body.contains("\nprocess_"), "process metrics are rendered fresh after the cached part")
    }

    func testOpenMetricsBodyEndsWithOneEOF() {
        let clock = TestClock()
        let provider = FakeProvider(clock: clock)
        let config = ExporterConfig(providerLimits: ["fake": ProviderLimits(requestsPerSecond: .infinity, maxConcurrency: 10)],
                                    accounts: [makeAccount("a")], source: "test")
        let exporter = Exporter(source: .fixed(config), environment: [:], logger: .discard, clock: clock, schemas: [fakeSchema(provider)])
        XCTAssertNil(exporter.reload())
        let request = HTTPRequest(method: "GET", target: "/metrics", headers: [("Accept", "application/openmetrics-text; version=1.0.0")])
        for _ in 0..<2 {
            let body = String(decoding: exporter.metrics(request).completeBody, as: UTF8.self)
            XCTAssertTrue(body.hasSuffix("# EOF\n"))
            XCTAssertEqual(body.components(separatedBy: "# EOF").count, 2)
        }
    }
}
