import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceVolcengine

/// The Volcengine families as a scrape shows them: names `balance_volcengine_<field>`,
/// their HELP, gauges in major units; `promtool check metrics` finds nothing to lint.
final class VolcengineMetricsTests: XCTestCase {
    private func exposition() throws -> [UInt8] {
        let body = #"{"ResponseMetadata":{"RequestId":"r"},"Result":{"AccountID":2100000000,"ArrearsBalance":"1.01","AvailableBalance":"77.01","CashBalance":"83.01","CreditLimit":"0.01","FreezeAmount":"5.01"}}"#
        let reading = VolcengineBalanceMapping.reading(try VolcengineBalanceMapping.balance(HTTPResponse(status: 200, body: Array(body.utf8)),
                                                                                           now: 0, secrets: []))
        let labels = [Label("provider", "volcengine"), Label("uin", reading.uin ?? "")]
        let families = reading.fields.map { MetricFamily($0.descriptor, samples: [Sample(labels: labels, value: $0.value)]) }
        var buffer: [UInt8] = []
        ExpositionFormat.text004.render(families, into: &buffer)
        return buffer
    }

    func testFamiliesRenderWithTheirNamesAndHelp() throws {
        XCTAssertEqual(String(decoding: try exposition(), as: UTF8.self), """
            # HELP balance_volcengine_arrears_balance Volcengine ArrearsBalance: amount owed (arrears), major currency units. Cached: refreshed at most once per refresh interval.
            # TYPE balance_volcengine_arrears_balance gauge
            balance_volcengine_arrears_balance{provider="volcengine",uin="2100000000"} 1.01
            # HELP balance_volcengine_available_balance Volcengine AvailableBalance: available balance (source of balance_available), major currency units. Cached: refreshed at most once per refresh interval.
            # TYPE balance_volcengine_available_balance gauge
            balance_volcengine_available_balance{provider="volcengine",uin="2100000000"} 77.01
            # HELP balance_volcengine_cash_balance Volcengine CashBalance: cash balance, major currency units. Cached: refreshed at most once per refresh interval.
            # TYPE balance_volcengine_cash_balance gauge
            balance_volcengine_cash_balance{provider="volcengine",uin="2100000000"} 83.01
            # HELP balance_volcengine_credit_limit Volcengine CreditLimit: credit limit, major currency units. Cached: refreshed at most once per refresh interval.
            # TYPE balance_volcengine_credit_limit gauge
            balance_volcengine_credit_limit{provider="volcengine",uin="2100000000"} 0.01
            # HELP balance_volcengine_freeze_amount Volcengine FreezeAmount: frozen amount, major currency units. Cached: refreshed at most once per refresh interval.
            # TYPE balance_volcengine_freeze_amount gauge
            balance_volcengine_freeze_amount{provider="volcengine",uin="2100000000"} 5.01

            """)
    }

    func testPromtoolFindsNothingToLint() throws {
        guard let result = try promtoolCheckMetrics(try exposition()) else { return try promtoolMissing() }
        XCTAssertEqual(result.exitCode, 0, result.output)
    }
}
