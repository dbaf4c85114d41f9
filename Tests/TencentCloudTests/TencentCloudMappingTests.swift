import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceSimulators
@testable import BalanceSupport
@testable import BalanceTencentCloud

final class TencentCloudMappingTests: XCTestCase {
    private func map(_ json: String, status: Int = 200) throws(ProviderError) -> BalanceReading {
        try TencentBalanceMapping.reading(status: status, body: Array(json.utf8))
    }

    private func value(_ reading: BalanceReading, _ descriptor: MetricDescriptor, credit: String? = nil) -> Double? {
        reading.fields.first { $0.descriptor == descriptor && $0.labels == (credit.map { [Label("credit", $0)] } ?? []) }?.value
    }

    private func failure(_ json: String, status: Int = 200) -> ProviderError? {
        do { _ = try map(json, status: status); return nil } catch { return error }
    }

    func testEveryFieldMapsToItsCatalogFamilyInMajorUnits() throws {
        let reading = try map("""
            {"Response": {"Balance": 12345, "Uin": 100012345678, "RealBalance": 12300, "CashAccountBalance": 100,
             "IncomeIntoAccountBalance": 200, "PresentAccountBalance": 300, "FreezeAmount": 45, "OweAmount": 0,
             "IsAllowArrears": false, "IsCreditLimited": true, "CreditAmount": 500000, "CreditBalance": 250000,
             "RealCreditBalance": 249999, "TempCredit": 1000, "TempAmountInfoList": [], "RequestId": "r-1"}}
            """)
        XCTAssertEqual(reading.uin, "100012345678")
        XCTAssertEqual(reading.available, 123.0)
        let expected: [(MetricDescriptor, Double)] = [
            (TencentMetrics.balance, 123.45), (TencentMetrics.realBalance, 123.0), (TencentMetrics.cashAccountBalance, 1.0),
            (TencentMetrics.incomeIntoAccountBalance, 2.0), (TencentMetrics.presentAccountBalance, 3.0),
            (TencentMetrics.freezeAmount, 0.45), (TencentMetrics.oweAmount, 0), (TencentMetrics.creditAmount, 5000),
            (TencentMetrics.creditBalance, 2500), (TencentMetrics.realCreditBalance, 2499.99), (TencentMetrics.tempCredit, 10),
            (TencentMetrics.isAllowArrears, 0), (TencentMetrics.isCreditLimited, 1),
        ]
        XCTAssertEqual(reading.fields, expected.map { FieldSample($0.0, $0.1) })
    }

    func testCentsConvertExactlyLikeADecimalLiteral() {
        let cases: [(String, Double)] = [
            ("123456789", 1234567.89), ("1", 0.01), ("-1999", -19.99), ("0", 0), ("10", 0.1), ("29", 0.29),
            ("12345.5", 123.455), ("1.5e3", 15), ("9007199254740993", 90071992547409.93),
            ("123456789012345678901234567890", 1234567890123456789012345678.90), ("\"4711\"", 47.11),
        ]
        for (lexeme, expected) in cases {
            let json = JSONValue.parse(Array(lexeme.utf8))!
            XCTAssertEqual(TencentBalanceMapping.majorUnits(json), expected, lexeme)
        }
        for bad in ["\"inf\"", "\"nan\"", "\"0x10\"", "\"\"", "true", "null", "\"12 cents\""] {
            XCTAssertNil(TencentBalanceMapping.majorUnits(JSONValue.parse(Array(bad.utf8))!), bad)
        }
    }

    func testUinAsStringAndAvailableFallsBackToBalance() throws {
        let reading = try map(#"{"Response": {"Uin": "100000000001", "Balance": 5000, "RequestId": "r"}}"#)
        XCTAssertEqual(reading.uin, "100000000001")
        XCTAssertEqual(reading.available, 50)
    }

    func testAbsentAndNullFieldsHaveNoSample() throws {
        let reading = try map("""
            {"Response": {"Uin": null, "Balance": null, "RealBalance": 700, "IsAllowArrears": null, "TempAmountInfoList": null}}
            """)
        XCTAssertNil(reading.uin)
        XCTAssertEqual(reading.available, 7)
        XCTAssertEqual(reading.fields, [FieldSample(TencentMetrics.realBalance, 7)])
    }

    func testASuccessWithoutABalanceIsABadResponseNotUp() {
        let expected = "the success response has neither a numeric RealBalance nor Balance"
        XCTAssertEqual(failure(#"{"Response": {"RequestId": "r"}}"#), ProviderError(.bad_response, message: expected, requestID: "r"))
        XCTAssertEqual(failure(#"{"Response": {"Balance": null, "RealBalance": "n/a", "CreditAmount": 500, "Uin": 1}}"#)?.reason,
                       .bad_response)
    }

    func testHTTP429WithoutAnErrorBodyIsThrottling() {
        XCTAssertEqual(failure("<html>Too Many Requests</html>", status: 429)?.reason, .throttled)
        XCTAssertEqual(failure("", status: 429)?.reason, .throttled)
    }

    func testAtMostAHundredTemporaryCreditsAndTheRestCountedAsDropped() throws {
        let credits = (0..<150).map { i in
            #"{"TempAmount": \#(i), "StartTime": "2026-11-16 00:00:00", "EndTime": "2026-12-01 23:59:59"}"#
        }
        let reading = try map(#"{"Response": {"RealBalance": 1, "TempAmountInfoList": [\#(credits.joined(separator: ","))]}}"#)
        let amounts = reading.fields.filter { $0.descriptor == TencentMetrics.tempCreditAmount }
        XCTAssertEqual(amounts.count, TencentBalanceMapping.maxTemporaryCredits)
        XCTAssertEqual(amounts.last?.labels, [Label("credit", "2026-11-16T00:00:00+08:00#100")])
        XCTAssertEqual(reading.fields.count, 1 + 3 * 100)
        XCTAssertEqual(reading.dropped, 50)
        XCTAssertEqual(try map(#"{"Response": {"RealBalance": 1, "TempAmountInfoList": [\#(credits[0])]}}"#).dropped, 0)
    }

    /// `2026-11-16 00:00:00` is Beijing time (UTC+8): 2026-11-15T16:00:00Z, Unix 1794758400.
    func testTemporaryCreditsUseBeijingTimeAndUniqueLabels() throws {
        let reading = try map("""
            {"Response": {"RealBalance": 0, "TempAmountInfoList": [
              {"Uin": "1", "TempAmount": 150000, "StartTime": "2026-11-16 00:00:00", "EndTime": "2026-12-01 23:59:59"},
              {"Uin": "1", "TempAmount": 2550, "StartTime": "2026-11-16 00:00:00", "EndTime": "not a time"},
              {"Uin": "1", "TempAmount": null, "StartTime": "2026-11-16 00:00:00", "EndTime": "2026-11-17 00:00:00"},
              {"Uin": "1", "TempAmount": 1, "StartTime": "soon", "EndTime": "2027-01-01 00:00:00"}
            ]}}
            """)
        let first = "2026-11-16T00:00:00+08:00"
        XCTAssertEqual(value(reading, TencentMetrics.tempCreditAmount, credit: first), 1500)
        XCTAssertEqual(value(reading, TencentMetrics.tempCreditStart, credit: first), 1794758400)
        XCTAssertEqual(value(reading, TencentMetrics.tempCreditEnd, credit: first), 1794758400 + 15 * 86400 + 86399)
        XCTAssertEqual(value(reading, TencentMetrics.tempCreditAmount, credit: first + "#2"), 25.5)
        XCTAssertEqual(value(reading, TencentMetrics.tempCreditStart, credit: first + "#2"), 1794758400)
        XCTAssertNil(value(reading, TencentMetrics.tempCreditEnd, credit: first + "#2"), "unparseable time: no sample")
        XCTAssertNil(value(reading, TencentMetrics.tempCreditAmount, credit: first + "#3"), "null amount: no sample")
        XCTAssertEqual(value(reading, TencentMetrics.tempCreditEnd, credit: first + "#3"), 1794844800)
        XCTAssertEqual(value(reading, TencentMetrics.tempCreditAmount, credit: "soon"), 0.01)
        XCTAssertNil(value(reading, TencentMetrics.tempCreditStart, credit: "soon"))
        XCTAssertEqual(reading.fields.count, 1 + 9)
    }

    func testErrorCodesMapToReasonsWhateverTheStatus() {
        let cases: [(String, FailureReason)] = [
            ("AuthFailure.SignatureExpire", .clock), ("AuthFailure.SignatureFailure", .auth),
            ("AuthFailure.SecretIdNotFound", .auth), ("AuthFailure.TokenFailure", .auth), ("IpNotInWhitelist", .auth),
            ("InvalidAction", .auth), ("InvalidParameterValue", .auth), ("NoSuchVersion", .auth),
            ("UnsupportedOperation", .auth), ("UnauthorizedOperation.CamNoAuth", .permission),
            ("AuthFailure.UnauthorizedOperation", .permission), ("RequestLimitExceeded.UinLimitExceeded", .throttled),
            ("RequestLimitExceeded", .throttled), ("InternalError.GatewayError", .upstream_error),
            ("ServiceUnavailable", .upstream_error), ("ResourceUnavailable", .upstream_error),
            ("FailedOperation.PayPriceError", .upstream_error), ("SomethingNew", .upstream_error),
        ]
        for (code, reason) in cases {
            for status in [200, 400, 503] {
                let error = failure(#"{"Response": {"Error": {"Code": "\#(code)", "Message": "m"}, "RequestId": "req-9"}}"#, status: status)
                XCTAssertEqual(error, ProviderError(reason, code: code, message: "m", requestID: "req-9"), "\(code) HTTP \(status)")
            }
        }
    }

    func testStatusAndShapeFailures() {
        XCTAssertEqual(failure("<html>Bad Gateway</html>", status: 502)?.reason, .http_status)
        XCTAssertEqual(failure("", status: 500)?.reason, .http_status)
        XCTAssertEqual(failure(#"{"message": "no"}"#, status: 404)?.reason, .http_status)
        XCTAssertEqual(failure("<html>ok</html>")?.reason, .bad_response)
        XCTAssertEqual(failure(#"{"Response": {"Balance": 1"#)?.reason, .bad_response)
        XCTAssertEqual(failure(#"{"Balance": 1}"#)?.reason, .bad_response)
        XCTAssertEqual(failure(#"{"Response": [1, 2]}"#)?.reason, .bad_response)
        XCTAssertEqual(failure(String(repeating: "[", count: 100_000))?.reason, .bad_response)
    }
}

/// Found by the tencent_balance fuzz target: an error envelope whose `Code`
/// is empty and whose `Message` is absent gave an error with an empty
/// message and an empty code.
final class TencentErrorEnvelopeRegressionTests: XCTestCase {
    func testAnErrorWithoutCodeOrMessageIsStillNamedAndA429IsThrottling() {
        let body = Array(#"{"Response": {"Error": {"Code": ""}, "RequestId": "x"}}"#.utf8)
        for (status, reason) in [(200, FailureReason.upstream_error), (429, .throttled)] {
            XCTAssertThrowsError(try TencentResponse.payload(status: status, body: body)) { error in
                let failure = error as? ProviderError
                XCTAssertEqual(failure?.reason, reason, "HTTP \(status)")
                XCTAssertNil(failure?.code)
                XCTAssertEqual(failure?.message, "error without a code")
            }
        }
    }
}
