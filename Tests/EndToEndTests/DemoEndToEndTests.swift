import BalanceTestSupport
import Foundation
import XCTest

/// What a newcomer sees with `balance_exporter --demo`: the built binary
/// scraped by a real Prometheus running the shipped rules, every dashboard
/// query answered, the demo's alerts raised for the accounts meant to raise
/// them, and delivered by a real Alertmanager running the README's
/// configuration, inhibition included (Tests/dashboards/demo_e2e.py).
final class DemoEndToEndTests: XCTestCase {
    func testDemoDrivesEveryDashboardQueryAndItsAlertsThroughPrometheusAndAlertmanager() throws {
        try requireTools(executables: ["prometheus", "promtool", "prometheus-alertmanager", "amtool", "python3"])
        let binary = exporterBinary()
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            return XCTFail("no \(binary.path): run `swift build --build-tests` first")
        }
        let result = try runScript(["python3", "Tests/dashboards/demo_e2e.py", "--binary", binary.path],
                                   environment: ["PYTHONDONTWRITEBYTECODE": "1"], timeout: 300)
        XCTAssertEqual(result.status, 0, result.output)
        let summary = result.output.split(separator: "\n").last { $0.hasPrefix("demo_e2e: ") && $0.contains("passed") }
        XCTAssertEqual(summary, "demo_e2e: 16 passed, 0 failed", result.output)
    }
}
