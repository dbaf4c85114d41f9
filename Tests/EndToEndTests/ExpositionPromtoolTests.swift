import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceTencentCloud

/// The text body as Prometheus' own linter sees it: a parse error or lint
/// finding here is a scrape that fails or a metric users trip over.
final class ExpositionPromtoolTests: XCTestCase {
    private typealias F = ExpositionFixtures

    func testRealisticBodyPassesPromtoolCleanly() throws {
        let families = [
            MetricFamily(Catalog.available, samples: [
                F.sample(1234.56, ("provider", "tencentcloud"), ("account", "prod")),
                F.sample(-12, ("provider", "yeastar"), ("account", "eu \"main\"\\\nline two 日本")),
            ]),
            MetricFamily(Catalog.up, samples: [
                F.sample(1, ("provider", "tencentcloud"), ("account", "prod")),
                F.sample(0, ("provider", "yeastar"), ("account", "eu \"main\"\\\nline two 日本")),
            ]),
            MetricFamily(Catalog.upstreamRequests, samples: [F.sample(42, ("provider", "tencentcloud"), ("account", "prod"))]),
            MetricFamily(Catalog.upstreamErrors, samples: [F.sample(3, ("provider", "yeastar"), ("account", "eu"), ("reason", "timeout"))]),
            MetricFamily(Catalog.accountInfo, samples: [F.sample(1, ("provider", "tencentcloud"), ("account", "prod"), ("currency", "CNY"))]),
            MetricFamily(Catalog.buildInfo, samples: [F.sample(1, ("version", BuildInfo.version), ("revision", BuildInfo.revision), ("swift", BuildInfo.swiftVersion))]),
            MetricFamily(Catalog.refreshDuration, samples: [F.sample(.nan, ("provider", "yeastar"), ("account", "x")), F.sample(.infinity, ("provider", "yeastar"), ("account", "y"))]),
            MetricFamily(TencentMetrics.tempCreditEnd, samples: [F.sample(1.7e9, ("account", "prod"))]),
        ] + ProcessMetrics.collect()
        let body = TextFormatWriter.render(families)
        guard let result = try promtoolCheckMetrics(body) else { return try promtoolMissing() }
        XCTAssertEqual(result.exitCode, 0, result.output)
        XCTAssertEqual(result.output, "", String(decoding: body, as: UTF8.self))
    }

    func testPromtoolFlagsABadBody() throws {
        // Guards the helper itself: if it swallowed failures, the test above
        // could never fail. A gauge named `_total` is a lint finding (exit 3).
        let body = TextFormatWriter.render([F.gauge("bad_total", [F.sample(1)])])
        guard let result = try promtoolCheckMetrics(body) else { return try promtoolMissing() }
        XCTAssertNotEqual(result.exitCode, 0)
        XCTAssertFalse(result.output.isEmpty)
    }
}
