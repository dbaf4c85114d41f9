import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceHuaweiCloud

/// `ShowCustomerAccountBalances` answers → samples: every account type, exact
/// amounts in major units, absent is absent, wrong types and units refused.
final class HuaweiBalanceMappingTests: XCTestCase {
    private let exchange = HuaweiResponse.Exchange(endpoint: HTTPURL(string: "https://bss.myhuaweicloud.com")!,
                                                   now: 1_800_000_000, secrets: [])

    private func balance(_ json: String, domainId: String? = "0123456789abcdef0123456789abcdef") throws(ProviderError) -> HuaweiBalance {
        try HuaweiBalanceMapping.balance(HTTPResponse(status: 200, headers: ["x-request-id": "rid"], body: Array(json.utf8)),
                                         exchange, domainId: domainId)
    }

    private func failure(_ json: String) -> ProviderError? {
        do { _ = try balance(json); return nil } catch { return error }
    }

    private func sample(_ descriptor: MetricDescriptor, _ type: String?, _ value: Double) -> FieldSample {
        FieldSample(descriptor, value, labels: type.map { [Label("account_type", $0)] } ?? [])
    }

    /// The documentation's example, with every entry type and field.
    func testEveryEntryTypeAndFieldMapsToItsFamily() throws {
        let result = try balance("""
            {"account_balances": [
              {"account_id": "AT001017264D6E9FF7", "account_type": 1, "amount": 4522.08, "currency": "CNY", "designated_amount": 0.5, "measure_id": 1},
              {"account_id": "AT001017264D6E9FF8", "account_type": 2, "amount": 10000, "currency": "CNY", "credit_amount": 10000, "measure_id": 1},
              {"account_id": "AT001017264D6E9FF9", "account_type": 5, "amount": 12.3, "currency": "CNY", "measure_id": 1},
              {"account_id": "AT001017264D6E9FFA", "account_type": 7, "amount": 500, "currency": "CNY", "measure_id": 1},
              {"account_id": "AT001017264D6E9FFB", "account_type": 9, "amount": 1.01, "currency": "CNY", "measure_id": 1}
             ], "debt_amount": 99.99, "measure_id": 1, "currency": "CNY"}
            """)
        XCTAssertEqual(result.currency, "CNY")
        XCTAssertEqual(result.reading.uin, "0123456789abcdef0123456789abcdef")
        XCTAssertEqual(result.reading.available, 4522.08)
        XCTAssertEqual(result.reading.dropped, 0)
        XCTAssertEqual(result.reading.fields, [
            sample(HuaweiMetrics.accountAmount, "balance", 4522.08), sample(HuaweiMetrics.accountDesignatedAmount, "balance", 0.5),
            sample(HuaweiMetrics.accountAmount, "credit", 10000), sample(HuaweiMetrics.accountCreditAmount, "credit", 10000),
            sample(HuaweiMetrics.accountAmount, "bonus", 12.3), sample(HuaweiMetrics.accountAmount, "deposit", 500),
            sample(HuaweiMetrics.accountAmount, "9", 1.01), sample(HuaweiMetrics.debtAmount, nil, 99.99),
        ])
    }

    func testAbsentAndNullFieldsHaveNoSampleAndNoDomainIdLeavesTheUinUnknown() throws {
        let result = try balance(#"{"account_balances": [{"account_type": 1, "amount": 7, "designated_amount": null}], "debt_amount": null}"#,
                                 domainId: nil)
        XCTAssertNil(result.reading.uin)
        XCTAssertNil(result.currency)
        XCTAssertEqual(result.reading.fields, [sample(HuaweiMetrics.accountAmount, "balance", 7)])
    }

    func testAmountsAreExactDecimalsWithSignsAndSeparatorsInText() throws {
        let result = try balance("""
            {"account_balances": [{"account_type": 1, "amount": "1,234,567.89"}, {"account_type": 2, "amount": -0.07},
             {"account_type": 5, "amount": "-11.19"}, {"account_type": 7, "amount": 90071992547409.93}],
             "debt_amount": "0.10"}
            """)
        XCTAssertEqual(result.reading.available, 1234567.89)
        XCTAssertEqual(result.reading.fields.map(\.value), [1234567.89, -0.07, -11.19, 90071992547409.93, 0.1])
    }

    func testAPresentValueThatIsNotANumberIsABadResponse() throws {
        for (json, field) in [(#"{"account_balances": [{"account_type": 1, "amount": "12 CNY"}]}"#, "account_balances[0].amount"),
                              (#"{"account_balances": [{"account_type": 1, "amount": true}]}"#, "account_balances[0].amount"),
                              (#"{"account_balances": [{"account_type": 1, "amount": 1, "credit_amount": "1,23"}]}"#, "account_balances[0].credit_amount"),
                              (#"{"account_balances": [{"account_type": 1, "amount": 1}], "debt_amount": {}}"#, "debt_amount"),
                              (#"{"account_balances": [{"account_type": "one", "amount": 1}]}"#, "account_balances[0].account_type"),
                              (#"{"account_balances": [{"account_type": 1, "amount": 1, "measure_id": 1.5}]}"#, "account_balances[0].measure_id"),
                              (#"{"account_balances": [7]}"#, "account_balances[0]"),
                              (#"{"account_balances": {}}"#, "account_balances")] {
            let error = try XCTUnwrap(failure(json), json)
            XCTAssertEqual(error.reason, .bad_response, json)
            XCTAssertTrue(error.message.hasPrefix(field), error.message)
            XCTAssertEqual(error.requestID, "rid")
        }
    }

    func testWithoutABalanceEntryOrItsAmountTheAnswerIsABadResponse() throws {
        for json in [#"{"account_balances": [], "debt_amount": 0}"#, #"{"debt_amount": 0}"#,
                     #"{"account_balances": [{"account_type": 2, "amount": 10}]}"#,
                     #"{"account_balances": [{"account_type": 1, "designated_amount": 10}]}"#] {
            let error = try XCTUnwrap(failure(json), json)
            XCTAssertEqual(error.reason, .bad_response, json)
            XCTAssertEqual(error.message, "the answer has no balance entry (account_type 1) with an amount")
        }
    }

    func testASecondEntryOfOneTypeAndAnEntryWithoutATypeAreDroppedAndCounted() throws {
        let result = try balance("""
            {"account_balances": [{"account_type": 1, "amount": 5}, {"account_type": 2, "amount": 1},
             {"account_type": 1, "amount": 6, "designated_amount": 2}, {"amount": 3}, {"account_type": null, "amount": 4}]}
            """)
        XCTAssertEqual(result.reading.available, 5, "the first balance entry")
        XCTAssertEqual(result.reading.fields, [sample(HuaweiMetrics.accountAmount, "balance", 5), sample(HuaweiMetrics.accountAmount, "credit", 1)])
        XCTAssertEqual(result.reading.dropped, 3)
    }

    func testMeasureIdsOfTheOldAPIAreConvertedAndUnknownOnesRefused() throws {
        let result = try balance("""
            {"account_balances": [{"account_type": 1, "amount": 12345, "measure_id": 3}, {"account_type": 2, "amount": 15, "measure_id": 2},
             {"account_type": 5, "amount": 1.5}], "debt_amount": 250, "measure_id": 3}
            """)
        XCTAssertEqual(result.reading.available, 123.45)
        XCTAssertEqual(result.reading.fields.map(\.value), [123.45, 1.5, 0.015, 2.5],
                       "an entry without measure_id takes the answer's")
        for json in [#"{"account_balances": [{"account_type": 1, "amount": 1, "measure_id": 4}]}"#,
                     #"{"account_balances": [{"account_type": 1, "amount": 1}], "debt_amount": 1, "measure_id": 0}"#] {
            let error = try XCTUnwrap(failure(json), json)
            XCTAssertEqual(error.reason, .bad_response)
            XCTAssertTrue(error.message.hasSuffix("is not a documented unit"), error.message)
        }
    }

    func testCurrencyComesFromTheAnswerOrItsBalanceEntryAndMustBeACode() throws {
        XCTAssertEqual(try balance(#"{"account_balances": [{"account_type": 1, "amount": 1, "currency": "USD"}]}"#).currency, "USD")
        XCTAssertEqual(try balance(#"{"account_balances": [{"account_type": 1, "amount": 1, "currency": "USD"}], "currency": "CNY"}"#).currency, "CNY")
        XCTAssertNil(try balance(#"{"account_balances": [{"account_type": 1, "amount": 1}], "currency": "C\nY"}"#).currency)
        XCTAssertNil(try balance(#"{"account_balances": [{"account_type": 1, "amount": 1}], "currency": ""}"#).currency)
    }

    func testDescriptorsNamesHelpAndTheCachedSentence() {
        XCTAssertEqual(HuaweiMetrics.all.map(\.name), ["balance_huaweicloud_account_amount", "balance_huaweicloud_account_designated_amount",
                                                       "balance_huaweicloud_account_credit_amount", "balance_huaweicloud_debt_amount"])
        for descriptor in HuaweiMetrics.all {
            XCTAssertEqual(descriptor.type, .gauge)
            XCTAssertTrue(descriptor.help.hasPrefix("Huawei Cloud "), descriptor.help)
            XCTAssertTrue(descriptor.help.hasSuffix(" Cached: refreshed at most once per refresh interval."), descriptor.help)
        }
    }
}
