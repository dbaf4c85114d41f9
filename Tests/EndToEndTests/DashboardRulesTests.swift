import BalanceTestSupport
import XCTest

/// The shipped Prometheus rules and Grafana dashboard: promtool lint and
/// unit tests, Grafana's dashboard schema, and every panel query and alert
/// against a real Prometheus (Tests/dashboards/run_rule_tests.sh).
final class DashboardRulesTests: XCTestCase {
    func testRulesAndDashboardPassEveryCheck() throws {
        try requireTools(executables: ["promtool", "prometheus", "python3"], pythonModules: ["grafana_foundation_sdk", "jsonschema"])
        let result = try runScript(["bash", "Tests/dashboards/run_rule_tests.sh"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("run_rule_tests: 5 passed, 0 failed"), result.output)
    }
}
