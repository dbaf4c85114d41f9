import BalanceTestSupport
import XCTest
@testable import BalanceCore

final class ExpositionOpenMetricsTests: XCTestCase {
    private typealias F = ExpositionFixtures

    private func render(_ families: [MetricFamily]) throws -> String {
        try XCTUnwrap(F.utf8(OpenMetricsWriter.render(families)), "body is not valid UTF-8")
    }

    func testRealisticBodyMatchesGoldenText() throws {
        let families = [
            MetricFamily(Catalog.upstreamRequests, samples: [
                F.sample(7, ("provider", "yeastar"), ("account", "eu")),
                F.sample(3, ("provider", "tencentcloud"), ("account", "prod")),
            ]),
            MetricFamily(Catalog.available, samples: [
                F.sample(-0.5, ("provider", "tencentcloud"), ("account", "prod")),
            ]),
            MetricFamily(Catalog.buildInfo, samples: [
                F.sample(1, ("version", "0.1.0"), ("revision", "abc\\def\n\"x\"")),
            ]),
        ]
        XCTAssertEqual(try render(families), #"""
        # HELP balance_available Available balance of the account in major currency units (see balance_account_info for the currency). Cached: refreshed at most once per refresh interval.
        # TYPE balance_available gauge
        balance_available{provider="tencentcloud",account="prod"} -0.5
        # HELP balance_exporter_build Version of balance_exporter and the Swift toolchain it was built with. Value 1.
        # TYPE balance_exporter_build info
        balance_exporter_build_info{version="0.1.0",revision="abc\\def\n\"x\""} 1
        # HELP balance_upstream_requests Balance fetches attempted against the account's upstream API.
        # TYPE balance_upstream_requests counter
        balance_upstream_requests_total{provider="tencentcloud",account="prod"} 3
        balance_upstream_requests_total{provider="yeastar",account="eu"} 7
        # EOF

        """#)
    }

    func testHelpEscapesQuotesBackslashesAndNewlines() throws {
        let body = try render([F.gauge("g", help: "Say \"hi\" to C:\\x\nline two.", [F.sample(1)])])
        XCTAssertEqual(body, #"""
        # HELP g Say \"hi\" to C:\\x\nline two.
        # TYPE g gauge
        g 1
        # EOF

        """#)
    }

    func testCounterWithoutTotalSuffixStillGetsTotalSamples() throws {
        let descriptor = MetricDescriptor(name: "odd", type: .counter, help: "")
        XCTAssertEqual(try render([MetricFamily(descriptor, samples: [F.sample(1)])]),
                       "# TYPE odd counter\nodd_total 1\n# EOF\n")
    }

    func testNonFiniteValuesAndNoTimestamps() throws {
        let body = try render([F.gauge("g", help: "", [
            F.sample(.nan, ("i", "1")), F.sample(.infinity, ("i", "2")), F.sample(-.infinity, ("i", "3")),
        ])])
        XCTAssertEqual(body, "# TYPE g gauge\ng{i=\"1\"} NaN\ng{i=\"2\"} +Inf\ng{i=\"3\"} -Inf\n# EOF\n")
    }

    func testEmptyExpositionIsJustEOF() throws {
        XCTAssertEqual(try render([]), "# EOF\n")
        XCTAssertEqual(try render([F.gauge("empty", [])]), "# EOF\n")
    }

    func testFamilyOrderingAndDeduplicationMatchTheTextFormat() throws {
        let families = [
            F.gauge("b", [F.sample(1, ("k", "z")), F.sample(9, ("k", "z")), F.sample(2, ("k", "a"))]),
            F.gauge("a", [F.sample(3)]),
        ]
        let body = try render(families)
        XCTAssertEqual(body, "# HELP a A gauge.\n# TYPE a gauge\na 3\n# HELP b A gauge.\n# TYPE b gauge\nb{k=\"a\"} 2\nb{k=\"z\"} 1\n# EOF\n")
        XCTAssertFalse(body.contains("\n\n"), "OpenMetrics forbids blank lines")
    }

    func testFormatRenderDispatchesToTheMatchingWriter() {
        let families = [F.gauge("g", [F.sample(1)])]
        var text: [UInt8] = []
        var openMetrics: [UInt8] = []
        ExpositionFormat.text004.render(families, into: &text)
        ExpositionFormat.openMetrics100.render(families, into: &openMetrics)
        XCTAssertEqual(text, TextFormatWriter.render(families))
        XCTAssertEqual(openMetrics, OpenMetricsWriter.render(families))
        XCTAssertNotEqual(text, openMetrics)
    }
}
