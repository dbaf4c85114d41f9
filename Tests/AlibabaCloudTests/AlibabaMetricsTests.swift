import BalanceTestSupport
import XCTest
@testable import BalanceAlibabaCloud
@testable import BalanceCore
@testable import BalanceHTTP

/// The Alibaba Cloud families as a scrape shows them: the names the issue
/// fixed, the cached-value HELP sentence, and a body promtool accepts.
final class AlibabaMetricsTests: XCTestCase {
    func testEveryDataFieldHasItsNamedGaugeWithTheCachedSentence() {
        XCTAssertEqual(AlibabaMetrics.fields.map(\.key),
                       ["AvailableAmount", "AvailableCashAmount", "CreditAmount", "MybankCreditAmount", "QuotaLimit"])
        XCTAssertEqual(AlibabaMetrics.fields.map(\.descriptor.name), [
            "balance_alibabacloud_available_amount", "balance_alibabacloud_available_cash_amount", "balance_alibabacloud_credit_amount",
            "balance_alibabacloud_mybank_credit_amount", "balance_alibabacloud_quota_limit",
        ])
        for (key, descriptor) in AlibabaMetrics.fields {
            XCTAssertEqual(descriptor.type, .gauge)
            XCTAssertTrue(descriptor.help.hasPrefix("Alibaba Cloud \(key): "), descriptor.help)
            XCTAssertTrue(descriptor.help.hasSuffix(" " + Catalog.cached), descriptor.help)
        }
    }

    func testAReadingRendersToABodyPromtoolAccepts() throws {
        let balance = try AlibabaBalance.parse(HTTPResponse(status: 200, body: Array(#"""
            {"Code":"200","Success":true,"RequestId":"r","Data":{"AvailableAmount":"-1,234.56","AvailableCashAmount":"0.00",
             "CreditAmount":"5000.00","MybankCreditAmount":"0","QuotaLimit":"10000.00","Currency":"CNY"}}
            """#.utf8)), now: 0, removing: [])
        let reading = AlibabaBalanceMapping.reading(balance, uin: "1968132000120001")
        let labels = [Label("provider", AlibabaCloud.providerName), Label("uin", reading.uin ?? "")]
        let families = [MetricFamily(Catalog.available, samples: [Sample(labels: labels, value: reading.available)])]
            + reading.fields.map { MetricFamily($0.descriptor, samples: [Sample(labels: labels + $0.labels, value: $0.value)]) }
        let body = TextFormatWriter.render(families)
        let text = String(decoding: body, as: UTF8.self)
        XCTAssertTrue(text.contains(#"balance_alibabacloud_available_amount{provider="alibabacloud",uin="1968132000120001"} -1234.56"#), text)
        guard let result = try promtoolCheckMetrics(body) else { return try promtoolMissing() }
        XCTAssertEqual(result.exitCode, 0, result.output)
        XCTAssertEqual(result.output, "", text)
    }
}
