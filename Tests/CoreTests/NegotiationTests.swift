import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceSupport

final class NegotiationTests: XCTestCase {
    private func format(_ accept: String?) -> ExpositionFormat { ExpositionFormat.negotiate(accept: accept) }

    func testPrometheus2HeaderGetsOpenMetrics() {
        XCTAssertEqual(format("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"), .openMetrics100)
    }

    func testNoHeaderAndWildcardsGetText() {
        XCTAssertEqual(format(nil), .text004) // curl sends `*/*`; no header at all is the same
        XCTAssertEqual(format(""), .text004)
        XCTAssertEqual(format("*/*"), .text004)
        XCTAssertEqual(format("application/*"), .text004)
        XCTAssertEqual(format("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"), .text004)
    }

    func testRefusedOpenMetricsGetsText() {
        XCTAssertEqual(format("application/openmetrics-text;q=0, text/plain"), .text004)
        XCTAssertEqual(format("application/openmetrics-text;version=1.0.0;q=0"), .text004)
    }

    func testHigherQualityWins() {
        XCTAssertEqual(format("text/plain;q=1, application/openmetrics-text;q=0.5"), .text004)
        XCTAssertEqual(format("text/plain;q=0.4, application/openmetrics-text;q=0.5"), .openMetrics100)
        XCTAssertEqual(format("text/plain;version=0.0.4;q=0, application/openmetrics-text;q=0.1"), .openMetrics100)
    }

    func testEqualQualityTies() {
        // Against a wildcard, the explicitly named OpenMetrics is more specific.
        XCTAssertEqual(format("*/*, application/openmetrics-text"), .openMetrics100)
        XCTAssertEqual(format("text/*;q=0.5, application/openmetrics-text;q=0.5"), .openMetrics100)
        // Between two explicit types, the first listed.
        XCTAssertEqual(format("text/plain, application/openmetrics-text"), .text004)
        XCTAssertEqual(format("application/openmetrics-text, text/plain"), .openMetrics100)
    }

    func testOnlyOpenMetricsVersionOneIsSpoken() {
        XCTAssertEqual(format("application/openmetrics-text;version=0.0.1"), .text004)
        XCTAssertEqual(format("application/openmetrics-text;version=\"1.0.0\""), .openMetrics100)
        XCTAssertEqual(format("application/openmetrics-text"), .openMetrics100)
    }

    func testMostSpecificRangeDecidesTheQuality() {
        // `text/plain;version=0.0.4;q=1` is more specific than `*/*;q=0`.
        XCTAssertEqual(format("*/*;q=0, text/plain;version=0.0.4, application/openmetrics-text;q=0.9"), .text004)
        // An unknown text version does not match: text is then rated by `*/*`.
        XCTAssertEqual(format("text/plain;version=9.9;q=1, */*;q=0.1, application/openmetrics-text;q=0.2"), .openMetrics100)
    }

    func testCaseAndWhitespaceAreIgnored() {
        XCTAssertEqual(format("  Application/OpenMetrics-Text ; Version=1.0.0 ; Q=0.9 , TEXT/PLAIN ; q=0.2"), .openMetrics100)
    }

    func testGarbageNeverCrashesAndFallsBackToText() {
        let inputs = [";;;", ",,,", "/", "a/", "/b", "*/plain", "application/openmetrics-text;q=abc",
                      "application/openmetrics-text;q=2", "application/openmetrics-text;q=-1",
                      "application/openmetrics-text;q=nan", "\u{0}\u{FFFF}",
                      String(repeating: "a/b;q=0.1,", count: 10_000)]
        for input in inputs {
            XCTAssertEqual(format(input), .text004, input.prefix(60).description)
        }
        // Parameters without a name or value are ignored, not fatal.
        XCTAssertEqual(format("application/openmetrics-text;=;q;;"), .openMetrics100)
        // A malformed part is skipped; the rest of the header still counts.
        XCTAssertEqual(format("garbage, application/openmetrics-text;q=oops, application/openmetrics-text;q=0.7, text/plain;q=0.5"), .openMetrics100)
    }

    func testContentTypes() {
        XCTAssertEqual(ExpositionFormat.text004.contentType, "text/plain; version=0.0.4; charset=utf-8")
        XCTAssertEqual(ExpositionFormat.openMetrics100.contentType, "application/openmetrics-text; version=1.0.0; charset=utf-8")
    }

    func testAcceptsGzip() {
        XCTAssertFalse(ExpositionFormat.acceptsGzip(acceptEncoding: nil))
        XCTAssertFalse(ExpositionFormat.acceptsGzip(acceptEncoding: ""))
        XCTAssertTrue(ExpositionFormat.acceptsGzip(acceptEncoding: "gzip"))
        XCTAssertTrue(ExpositionFormat.acceptsGzip(acceptEncoding: "deflate, GZIP;q=0.5"))
        XCTAssertTrue(ExpositionFormat.acceptsGzip(acceptEncoding: "x-gzip"))
        XCTAssertFalse(ExpositionFormat.acceptsGzip(acceptEncoding: "gzip;q=0"))
        XCTAssertFalse(ExpositionFormat.acceptsGzip(acceptEncoding: "gzip;q=0.000"))
        XCTAssertFalse(ExpositionFormat.acceptsGzip(acceptEncoding: "identity, deflate, br"))
        XCTAssertTrue(ExpositionFormat.acceptsGzip(acceptEncoding: "br;q=1, *;q=0.1"))
        XCTAssertFalse(ExpositionFormat.acceptsGzip(acceptEncoding: "gzip;q=0, *"), "naming gzip overrides the wildcard")
        XCTAssertFalse(ExpositionFormat.acceptsGzip(acceptEncoding: "*;q=0"))
        XCTAssertFalse(ExpositionFormat.acceptsGzip(acceptEncoding: "gzip;q=x"), "malformed q is ignored")
    }

    static let prometheus3Accept = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"

    func testPrometheus3HeaderGetsOpenMetrics() {
        XCTAssertEqual(format(Self.prometheus3Accept), .openMetrics100)
    }

    func testTheCacheAnswersAsTheRulesForEveryPairSeen() {
        let cache = NegotiationCache()
        let pairs: [(String?, String?)] = [
            (Self.prometheus3Accept, "gzip"), (nil, nil), ("text/plain, application/openmetrics-text", "gzip;q=0"),
            ("application/openmetrics-text, text/plain", "br;q=1, *;q=0.1"), ("*/*", nil),
        ]
        for _ in 0..<2 {  // the second time from the cache
            for (accept, coding) in pairs {
                XCTAssertEqual(cache.negotiate(accept: accept, acceptEncoding: coding), Negotiated(accept: accept, acceptEncoding: coding),
                               "\(accept ?? "nil") / \(coding ?? "nil")")
            }
        }
        XCTAssertEqual(cache.negotiate(accept: Self.prometheus3Accept, acceptEncoding: "gzip"), Negotiated(format: .openMetrics100, gzip: true))
        XCTAssertEqual(cache.count, pairs.count)
    }

    func testTheCacheStaysBoundedWhateverAClientSends() {
        let cache = NegotiationCache()
        for index in 0..<(NegotiationCache.capacity * 3 + 1) {
            let accept = "application/openmetrics-text;q=0.\(index % 9 + 1), text/plain;q=0.5, x/\(index)"
            XCTAssertEqual(cache.negotiate(accept: accept, acceptEncoding: nil).format, index % 9 + 1 >= 5 ? .openMetrics100 : .text004, accept)
            XCTAssertLessThanOrEqual(cache.count, NegotiationCache.capacity)
        }
        XCTAssertEqual(cache.negotiate(accept: Self.prometheus3Accept, acceptEncoding: "gzip"), Negotiated(format: .openMetrics100, gzip: true),
                       "a pair asked for after the cache was emptied is negotiated again")
    }
}
