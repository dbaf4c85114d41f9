import BalanceTestSupport
import XCTest
@testable import BalanceCore

final class ExpositionTextFormatTests: XCTestCase {
    private typealias F = ExpositionFixtures

    private func render(_ families: [MetricFamily]) throws -> String {
        try XCTUnwrap(F.utf8(TextFormatWriter.render(families)), "body is not valid UTF-8")
    }

    func testRealisticBodyMatchesGoldenText() throws {
        let families = [
            MetricFamily(Catalog.upstreamRequests, samples: [
                F.sample(7, ("provider", "yeastar"), ("account", "eu")),
                F.sample(3, ("provider", "tencentcloud"), ("account", "prod")),
            ]),
            MetricFamily(Catalog.available, samples: [
                F.sample(1234.5, ("provider", "tencentcloud"), ("account", "prod")),
                F.sample(0, ("provider", "tencentcloud"), ("account", "dev")),
            ]),
            MetricFamily(Catalog.accountInfo, samples: [
                F.sample(1, ("provider", "tencentcloud"), ("account", "prod"), ("name", "Acme \"Prod\""), ("currency", "CNY")),
            ]),
        ]
        XCTAssertEqual(try render(families), #"""
        # HELP balance_account_info Configured account: its name and currency (as configured, else as the upstream reports it, else empty). Value 1.
        # TYPE balance_account_info gauge
        balance_account_info{provider="tencentcloud",account="prod",name="Acme \"Prod\"",currency="CNY"} 1
        # HELP balance_available Available balance of the account in major currency units (see balance_account_info for the currency). Cached: refreshed at most once per refresh interval.
        # TYPE balance_available gauge
        balance_available{provider="tencentcloud",account="dev"} 0
        balance_available{provider="tencentcloud",account="prod"} 1234.5
        # HELP balance_upstream_requests_total Balance fetches attempted against the account's upstream API.
        # TYPE balance_upstream_requests_total counter
        balance_upstream_requests_total{provider="tencentcloud",account="prod"} 3
        balance_upstream_requests_total{provider="yeastar",account="eu"} 7

        """#)
    }

    func testFamiliesWithTheSameNameAreMergedIntoOneGroup() throws {
        // Two providers each contributing to balance_up must not produce two
        // HELP/TYPE blocks: Prometheus rejects a family seen twice.
        let families = [
            F.gauge("b", [F.sample(1, ("account", "y"))]),
            F.gauge("a", [F.sample(2)]),
            F.gauge("b", help: "Ignored second HELP.", [F.sample(0, ("account", "x"))]),
        ]
        XCTAssertEqual(try render(families), """
        # HELP a A gauge.
        # TYPE a gauge
        a 2
        # HELP b A gauge.
        # TYPE b gauge
        b{account="x"} 0
        b{account="y"} 1

        """)
    }

    func testDuplicateSeriesKeepsTheFirstInInputOrder() throws {
        let families = [F.gauge("g", [
            F.sample(1, ("a", "1"), ("b", "2")),
            F.sample(2, ("b", "2"), ("a", "1")), // same label set, other order
            F.sample(3, ("a", "1"), ("b", "2")),
            F.sample(4, ("a", "1"), ("b", "3")),
        ])]
        XCTAssertEqual(try render(families), """
        # HELP g A gauge.
        # TYPE g gauge
        g{a="1",b="2"} 1
        g{a="1",b="3"} 4

        """)
    }

    func testRepeatedLabelNameInOneSeriesKeepsTheFirstValue() throws {
        // A repeated label name fails the whole scrape in Prometheus.
        let body = try render([F.gauge("g", [F.sample(1, ("a", "first"), ("a", "second"))])])
        XCTAssertTrue(body.contains("g{a=\"first\"} 1\n"), body)
        XCTAssertFalse(body.contains("second"), body)
    }

    func testLabelValuesEscapeBackslashQuoteAndNewlineOnly() throws {
        let value = "C:\\dir \"quoted\"\nnext\ttab é 日本 🙂"
        let body = try render([F.gauge("g", [F.sample(1, ("v", value))])])
        XCTAssertEqual(body, #"""
        # HELP g A gauge.
        # TYPE g gauge
        g{v="C:\\dir \"quoted\"\nnext	tab é 日本 🙂"} 1

        """#)
    }

    func testHelpEscapesBackslashAndNewlineButNotQuotes() throws {
        // promtool rejects `\"` in a 0.0.4 HELP line.
        let body = try render([F.gauge("g", help: "Say \"hi\" to C:\\x\nline two.", [F.sample(1)])])
        XCTAssertEqual(body, #"""
        # HELP g Say "hi" to C:\\x\nline two.
        # TYPE g gauge
        g 1

        """#)
    }

    func testValuesUseShortestDecimalsAndPrometheusNonFiniteSpellings() throws {
        let values: [Double] = [.nan, .infinity, -.infinity, 1, -3, 0.5, 1e-05, 12.34, 1_234_567, 1e20, -0.25]
        let family = F.gauge("g", values.enumerated().map { F.sample($1, ("i", String(format: "%02d", $0))) })
        let lines = try render([family]).split(separator: "\n").dropFirst(2).map { $0.split(separator: " ").last.map(String.init) ?? "" }
        XCTAssertEqual(lines, ["NaN", "+Inf", "-Inf", "1", "-3", "0.5", "1e-05", "12.34", "1234567", "1e+20", "-0.25"])
    }

    func testInfoFamiliesAreGaugesAndCountersKeepTheirTotalName() throws {
        let body = try render([
            MetricFamily(Catalog.buildInfo, samples: [F.sample(1, ("version", "0.1.0"))]),
            MetricFamily(Catalog.upstreamErrors, samples: [F.sample(2, ("reason", "timeout"))]),
        ])
        XCTAssertTrue(body.contains("# TYPE balance_exporter_build_info gauge\nbalance_exporter_build_info{version=\"0.1.0\"} 1\n"), body)
        XCTAssertTrue(body.contains("# TYPE balance_upstream_errors_total counter\nbalance_upstream_errors_total{reason=\"timeout\"} 2\n"), body)
    }

    func testFamiliesWithoutSamplesAreOmitted() throws {
        XCTAssertEqual(try render([F.gauge("empty", []), F.gauge("g", [F.sample(1)])]), "# HELP g A gauge.\n# TYPE g gauge\ng 1\n")
        XCTAssertEqual(try render([F.gauge("empty", [])]), "")
        XCTAssertEqual(try render([]), "")
    }

    func testRenderAppendsToAnExistingBuffer() {
        var buffer = Array("prefix\n".utf8)
        TextFormatWriter.render([F.gauge("g", help: "", [F.sample(1)])], into: &buffer)
        XCTAssertEqual(String(decoding: buffer, as: UTF8.self), "prefix\n# TYPE g gauge\ng 1\n")
    }

    func testSeriesOrderComparesUTF8BytesNotCharacters() throws {
        // "é" precomposed (U+00E9) and decomposed ("e" + U+0301) are equal
        // Strings but different label values to Prometheus: both are kept,
        // in byte order.
        let body = try render([F.gauge("g", [F.sample(1, ("v", "\u{E9}")), F.sample(2, ("v", "e\u{301}"))])])
        XCTAssertEqual(body, "# HELP g A gauge.\n# TYPE g gauge\ng{v=\"e\u{301}\"} 2\ng{v=\"\u{E9}\"} 1\n")
    }
}

/// Small factories shared by the Exposition*, Negotiation and promtool tests
/// (kept here: the Support/ folder is shared with other engineers).
