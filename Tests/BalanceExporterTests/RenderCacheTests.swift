import BalanceTestSupport
import Dispatch
import Synchronization
import XCTest
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceHTTP

final class RenderCacheTests: XCTestCase {
    func fakeSchema(_ provider: FakeProvider) -> ProviderSchema {
        ProviderSchema(name: "fake", defaultEndpoint: "http://127.0.0.1:1", keys: [], defaultRequestsPerSecond: 1000,
                       defaultMaxConcurrency: 10, make: { _, _ in provider })
    }

    func scrape(_ exporter: Exporter) -> String {
        String(decoding: exporter.metrics(HTTPRequest(method: "GET", target: "/metrics")).body, as: UTF8.self)
    }

    func testCachedBodyFollowsRefreshesAndStalenessByTimeAlone() throws {
        let clock = TestClock(now: 10_000)
        let provider = FakeProvider(available: 12.5, clock: clock)
        let config = ExporterConfig(maxStale: 120, providerLimits: ["fake": ProviderLimits(requestsPerSecond: .infinity, maxConcurrency: 10)],
                                    accounts: [makeAccount("a", refreshInterval: 60)], source: "test")
        let exporter = Exporter(source: .fixed(config), environment: [:], logger: .discard, clock: clock, schemas: [fakeSchema(provider)])
        let prepared = try exporter.prepare()
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

    func testScrapesArrivingDuringARenderUseItsResultInsteadOfRenderingAgain() {
        let cache = RenderCache(clock: TestClock())
        let renders = Mutex(0)
        let started = DispatchSemaphore(value: 0)
        let proceed = DispatchSemaphore(value: 0)
        // Renders what the engine holds now: generation 6.
        let render: @Sendable () -> RenderCache.Rendered = {
            if renders.withLock({ $0 += 1; return $0 }) == 1 {
                started.signal()
                proceed.wait()
            }
            return RenderCache.Rendered(body: Array("generation 6".utf8), validUntil: .infinity,
                                        key: RenderCache.Key(generation: 6, exporterVersion: 1))
        }
        let group = DispatchGroup()
        let bodies = LockedArray<String>()
        func scrape(needing generation: UInt64) {
            DispatchQueue.global().async(group: group) {
                let body = cache.body(format: .text004, key: RenderCache.Key(generation: generation, exporterVersion: 1),
                                      now: 0, render: render)
                bodies.append(String(decoding: body, as: UTF8.self))
            }
        }
        scrape(needing: 5)
        XCTAssertEqual(started.wait(timeout: .now() + 10), .success)
        // While the first render runs, twenty scrapes that need generation 5 or 6 come in.
        for i in 0..<20 { scrape(needing: 5 + UInt64(i % 2)) }
        proceed.signal()
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(renders.withLock { $0 }, 1, "one render served all 21 scrapes")
        XCTAssertEqual(bodies.values, Array(repeating: "generation 6", count: 21))

        // Newer data than the cache holds is rendered again; another exporter version too.
        _ = cache.body(format: .text004, key: RenderCache.Key(generation: 7, exporterVersion: 1), now: 0, render: render)
        XCTAssertEqual(renders.withLock { $0 }, 2)
        _ = cache.body(format: .text004, key: RenderCache.Key(generation: 6, exporterVersion: 2), now: 0, render: render)
        XCTAssertEqual(renders.withLock { $0 }, 3)
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
            let body = String(decoding: exporter.metrics(request).body, as: UTF8.self)
            XCTAssertTrue(body.hasSuffix("# EOF\n"))
            XCTAssertEqual(body.components(separatedBy: "# EOF").count, 2)
        }
    }

    // MARK: The scrape budget covers rendering

    func testAScrapeStopsWaitingEarlyEnoughToRenderWithinItsTimeout() {
        func deadline(_ header: String?, render: Double) -> Double {
            let answerBy = 1000 + MetricsEndpoint.budget(scrapeTimeoutHeader: header, default: 9.5)
            return MetricsEndpoint.waitDeadline(arrival: 1000, answerBy: answerBy, renderSeconds: render)
        }
        XCTAssertEqual(deadline("5", render: 0), 1004.5, "the timeout less the 0.5 s margin, from the arrival")
        XCTAssertEqual(deadline("5", render: 0.8), 1003.7, "and less what rendering takes")
        XCTAssertEqual(deadline(nil, render: 2), 1007.5, "the default budget too")
        XCTAssertEqual(deadline("1", render: 3), 1000, "a render longer than the budget: no waiting at all")
    }

    func testARenderThatWouldOverrunTheBudgetLeavesTheScrapeTheLastRendering() {
        let clock = TestClock()
        let cache = RenderCache(clock: clock)
        @Sendable func rendered(_ generation: UInt64) -> RenderCache.Rendered {
            RenderCache.Rendered(body: Array("generation \(generation)".utf8), validUntil: .infinity,
                                 key: RenderCache.Key(generation: generation, exporterVersion: 1))
        }
        func key(_ generation: UInt64) -> RenderCache.Key { RenderCache.Key(generation: generation, exporterVersion: 1) }
        func body(_ key: RenderCache.Key) -> String {
            String(decoding: cache.body(format: .text004, key: key, now: clock.now(), render: { rendered(99) }), as: UTF8.self)
        }
        func answer(_ generation: UInt64, gzip: Bool = true, within seconds: Double,
                    render: @escaping @Sendable () -> RenderCache.Rendered) -> (generation: UInt64, gzip: Bool) {
            let answer = cache.answerable(key(generation), format: .text004, gzip: gzip, by: clock.now() + seconds, render: render)
            return (answer.key.generation, answer.gzip)
        }
        // Nothing rendered yet: nothing older to answer with, the scrape renders itself.
        XCTAssertTrue(answer(1, within: 0, render: { rendered(1) }) == (1, true))
        _ = cache.gzipPrefix(format: .text004, key: key(1), now: clock.now(), render: { rendered(1) })

        let proceed = DispatchSemaphore(value: 0)
        let slow: @Sendable () -> RenderCache.Rendered = {
            proceed.wait()
            return rendered(2)
        }
        XCTAssertTrue(answer(2, within: 0.2, render: slow) == (1, true), "past its deadline the scrape answers with the last rendering")
        XCTAssertEqual(body(key(1)), "generation 1")
        proceed.signal()
        // The render went on: the next scrape has the new data at once, compressed.
        XCTAssertTrue(waitUntil { answer(2, within: 0, render: slow) == (2, true) })
        XCTAssertEqual(body(key(2)), "generation 2")

        // A render within the deadline is waited for.
        XCTAssertTrue(answer(3, gzip: false, within: 30, render: { rendered(3) }) == (3, false))
        XCTAssertEqual(body(key(3)), "generation 3")
        // Generation 3 was never compressed: a gzip scrape out of time answers with it uncompressed.
        XCTAssertTrue(answer(4, within: 0.2, render: { proceed.wait(); return rendered(4) }) == (3, false))
        proceed.signal()
    }

    func testTheExpectedRenderTimeIsTheLongestOfTheLastRenders() {
        let clock = TestClock()
        let cache = RenderCache(clock: clock)
        XCTAssertEqual(cache.expectedRenderSeconds, 0, "nothing measured yet")
        let renders = LockedArray<UInt64>()
        func scrape(generation: UInt64, renderTakes seconds: Double, gzip: Bool = false) {
            let key = RenderCache.Key(generation: generation, exporterVersion: 1)
            let render = {
                renders.append(generation)
                clock.advance(by: seconds)
                return RenderCache.Rendered(body: Array(repeating: 0x61, count: 1000), validUntil: .infinity, key: key)
            }
            if gzip {
                _ = cache.gzipPrefix(format: .text004, key: key, now: clock.now(), render: render)
            } else {
                _ = cache.body(format: .text004, key: key, now: clock.now(), render: render)
            }
        }
        scrape(generation: 1, renderTakes: 0.8)
        XCTAssertEqual(cache.expectedRenderSeconds, 0.8, accuracy: 1e-6)
        scrape(generation: 1, renderTakes: 5)
        XCTAssertEqual(renders.values, [1], "a cached body is not rendered, and costs nothing")
        XCTAssertEqual(cache.expectedRenderSeconds, 0.8, accuracy: 1e-6)
        scrape(generation: 2, renderTakes: 1.5, gzip: true)
        XCTAssertEqual(cache.expectedRenderSeconds, 1.5, accuracy: 1e-6, "a gzip scrape's render and compression count")
        for generation in 3..<(3 + UInt64(RenderCache.costSamples)) { scrape(generation: generation, renderTakes: 0.1) }
        XCTAssertEqual(cache.expectedRenderSeconds, 0.1, accuracy: 1e-6, "only the last renders count")
    }

    /// Between changes a scrape's whole answer comes from the cache in one
    /// read; it stops doing so as soon as any of its parts would be too old.
    func testAWholeAnswerIsReusedOnlyWhileItsAccountAndProcessPartsAreCurrent() throws {
        let cache = RenderCache(clock: TestClock())
        let key = RenderCache.Key(generation: 4, exporterVersion: 1)
        let render = { RenderCache.Rendered(body: Array("balance_x 1\n".utf8), validUntil: 100, key: key) }
        func process(_ now: Double) -> RenderCache.ProcessPart {
            cache.processPart(format: .text004, now: now) { Array("process_x \(now)\n".utf8) }
        }
        XCTAssertNil(cache.cached(format: .text004, key: key, gzip: false, now: 10), "nothing rendered yet")
        let first = process(10)
        XCTAssertNil(cache.cached(format: .text004, key: key, gzip: false, now: 10), "no account part yet")
        _ = cache.body(format: .text004, key: key, now: 10, render: render)
        guard case .plain(let body, let tail)? = cache.cached(format: .text004, key: key, gzip: false, now: 10.5) else {
            return XCTFail("both parts are cached")
        }
        XCTAssertEqual(String(decoding: body + tail, as: UTF8.self), "balance_x 1\nprocess_x 10.0\n")
        XCTAssertNil(cache.cached(format: .text004, key: key, gzip: true, now: 10.5), "not compressed yet")
        let gzip = try XCTUnwrap(cache.gzipBody(format: .text004, key: key, now: 10.5, process: first, render: render))
        guard case .gzip(let cachedGzip)? = cache.cached(format: .text004, key: key, gzip: true, now: 10.9) else {
            return XCTFail("the finished gzip body is cached")
        }
        XCTAssertEqual(cachedGzip, gzip)
        XCTAssertNil(cache.cached(format: .openMetrics100, key: key, gzip: false, now: 10.5), "each format on its own")

        XCTAssertNil(cache.cached(format: .text004, key: key, gzip: true, now: 11), "process metrics a second old are read again")
        XCTAssertNil(cache.cached(format: .text004, key: key, gzip: false, now: 11))
        let second = process(11)
        XCTAssertNotNil(cache.cached(format: .text004, key: key, gzip: false, now: 11))
        XCTAssertNil(cache.cached(format: .text004, key: key, gzip: true, now: 11), "the gzip body was made with the old process part")
        _ = cache.gzipBody(format: .text004, key: key, now: 11, process: second, render: render)
        XCTAssertNotNil(cache.cached(format: .text004, key: key, gzip: true, now: 11))

        XCTAssertNil(cache.cached(format: .text004, key: RenderCache.Key(generation: 5, exporterVersion: 1), gzip: true, now: 11),
                     "newer data than the cached part")
        XCTAssertNil(cache.cached(format: .text004, key: RenderCache.Key(generation: 4, exporterVersion: 2), gzip: true, now: 11),
                     "the exporter's own families changed")
        _ = process(100)
        XCTAssertNil(cache.cached(format: .text004, key: key, gzip: false, now: 100), "a staleness deadline passed")
    }
}
