import BalanceTestSupport
import XCTest
@testable import BalanceAlibabaCloud
@testable import BalanceCore
@testable import BalanceCrypto
@testable import BalanceHTTP
@testable import BalanceSupport

/// `QueryAccountBalance` answers → fields or a classified failure, and the
/// mapping to samples: what a user sees in `/metrics` and in the error
/// reason of `balance_upstream_errors_total`.
final class AlibabaBalanceTests: XCTestCase {
    static let now = 1_800_000_000.0
    static let secret = "alibaba-SECRET-9f2c"

    private func parse(_ body: String, status: Int = 200, headers: HTTPHeaders = [:]) throws(ProviderError) -> AlibabaBalance {
        try AlibabaBalance.parse(HTTPResponse(status: status, headers: headers, body: Array(body.utf8)), now: Self.now,
                                 removing: [Self.secret])
    }

    private func failure(_ body: String, status: Int = 200, headers: HTTPHeaders = [:],
                         file: StaticString = #filePath, line: UInt = #line) -> ProviderError? {
        do {
            let balance = try parse(body, status: status, headers: headers)
            XCTFail("expected a failure, got \(balance)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    private func answer(_ data: String) -> String {
        #"{"Code":"200","Message":"success","RequestId":"16176743-6DC7","Success":true,"Data":{\#(data)}}"#
    }

    // MARK: Success

    func testDocumentedAnswerMapsEveryFieldInMajorUnits() throws {
        let balance = try parse(answer(#"""
            "AvailableAmount":"10000.00","CreditAmount":"0.00","MybankCreditAmount":"0.00","Currency":"CNY",
            "AvailableCashAmount":"9,876.54","QuotaLimit":"10000.00\n"
            """#))
        XCTAssertEqual(balance.currency, "CNY")
        XCTAssertEqual(balance.requestID, "16176743-6DC7")
        let reading = AlibabaBalanceMapping.reading(balance, uin: "1968132000120001")
        XCTAssertEqual(reading.uin, "1968132000120001")
        XCTAssertEqual(reading.available, 10000)
        XCTAssertEqual(reading.fields, [
            FieldSample(AlibabaMetrics.availableAmount, 10000), FieldSample(AlibabaMetrics.availableCashAmount, 9876.54),
            FieldSample(AlibabaMetrics.creditAmount, 0), FieldSample(AlibabaMetrics.mybankCreditAmount, 0),
            FieldSample(AlibabaMetrics.quotaLimit, 10000),
        ])
    }

    func testAmountsAreExactWithSeparatorsAndSigns() throws {
        let cases: [(String, Double)] = [
            ("-11.19", -11.19), ("1,234.56", 1234.56), ("-1,234,567.89", -1234567.89), (" 0.10 ", 0.1), ("+5", 5),
            ("12345678901234567.89", 12345678901234567.89), ("0.29", 0.29), ("007.5", 7.5),
        ]
        for (text, expected) in cases {
            let balance = try parse(answer(#""AvailableAmount":"\#(text)""#))
            XCTAssertEqual(AlibabaBalanceMapping.reading(balance, uin: nil).available, expected, text)
        }
        let number = try parse(answer(#""AvailableAmount":12.5,"CreditAmount":-3"#))
        XCTAssertEqual(number.amounts["CreditAmount"], JSONNumber(-3), "a JSON number is a number too")
    }

    func testAbsentAndNullFieldsHaveNoSample() throws {
        let balance = try parse(answer(#""AvailableAmount":"-5.00","CreditAmount":null,"Currency":null"#))
        XCTAssertNil(balance.currency)
        let reading = AlibabaBalanceMapping.reading(balance, uin: nil)
        XCTAssertNil(reading.uin, "the engine then labels by the configured uin or the account name")
        XCTAssertEqual(reading.available, -5)
        XCTAssertEqual(reading.fields, [FieldSample(AlibabaMetrics.availableAmount, -5)])
    }

    func testAStrangeCurrencyIsLeftOut() throws {
        XCTAssertEqual(try parse(answer(#""AvailableAmount":"1","Currency":" USD\n""#)).currency, "USD")
        XCTAssertNil(try parse(answer(#""AvailableAmount":"1","Currency":"\#(String(repeating: "X", count: 17))""#)).currency)
        XCTAssertNil(try parse(answer(##""AvailableAmount":"1","Currency":"""##)).currency)
        XCTAssertNil(try parse(answer(#""AvailableAmount":"1","Currency":840"#)).currency)
    }

    // MARK: Bad responses

    func testAPresentFieldThatIsNotANumberIsABadResponse() {
        for value in [#""12 CNY""#, #""1,23""#, #""1e5""#, #""NaN""#, #""""#, "true", "{}", "[]"] {
            let error = failure(answer(#""AvailableAmount":"1.00","QuotaLimit":\#(value)"#))
            XCTAssertEqual(error?.reason, .bad_response, value)
            XCTAssertEqual(error?.requestID, "16176743-6DC7", value)
            XCTAssertTrue(error?.message.contains("Data.QuotaLimit") == true, error?.message ?? value)
        }
    }

    func testASuccessWithoutTheBalanceIsABadResponse() {
        for data in [#""CreditAmount":"1.00""#, #""AvailableAmount":null"#, ""] {
            XCTAssertEqual(failure(answer(data))?.message, "QueryAccountBalance: the answer has no AvailableAmount", data)
        }
        XCTAssertEqual(failure(#"{"Code":"200","Success":true,"RequestId":"r"}"#)?.message,
                       #"QueryAccountBalance: the answer has no "Data" object"#)
        XCTAssertEqual(failure(#"{"Code":"200","Success":true,"Data":null}"#)?.reason, .bad_response)
    }

    func testSuccessFalseWithoutACodeIsABadResponse() {
        let expected = ProviderError(.bad_response, message: "QueryAccountBalance: the answer says Success: false without an error code",
                                     requestID: "r-1")
        XCTAssertEqual(failure(#"{"Success":false,"RequestId":"r-1","Data":{"AvailableAmount":"1"}}"#), expected)
        XCTAssertEqual(failure(#"{"Code":"200","Success":false,"RequestId":"r-1"}"#), expected)
    }

    func testTwoHundredThatIsNotJSONIsABadResponse() {
        let full = answer(#""AvailableAmount":"10000.00""#)
        for body in ["<html>maintenance</html>", "", String(full.prefix(full.count / 2)), "[1,2]"] {
            XCTAssertEqual(failure(body)?.reason, .bad_response, body)
        }
    }

    // MARK: Errors by code

    func testErrorCodesAreClassifiedByCodeWhateverTheStatus() {
        let cases: [(String, FailureReason)] = [
            ("SignatureDoesNotMatch", .auth), ("IncompleteSignature", .auth), ("InvalidSignatureMethod", .auth),
            ("InvalidAccessKeyId.NotFound", .auth), ("InvalidAccessKeyId.Inactive", .auth),
            ("InvalidSecurityToken.Expired", .auth), ("InvalidSecurityToken.MismatchWithAccessKey", .auth),
            ("NoPermission", .permission), ("Forbidden.RAM", .permission), ("NotAuthorized", .permission),
            ("Throttling", .throttled), ("Throttling.User", .throttled), ("Throttling.Api", .throttled),
            ("InvalidTimeStamp.Expired", .clock),
            ("NotApplicable", .upstream_error), ("InternalError", .upstream_error), ("UndefinedError", .upstream_error),
            ("ServiceUnavailable", .upstream_error), ("SignatureNonceUsed", .upstream_error),
            ("InvalidTimeStamp.Format", .upstream_error), ("SomethingNew.Undocumented", .upstream_error),
        ]
        for (code, reason) in cases {
            for status in [200, 400, 403, 404, 500, 503] {
                let body = #"{"RequestId":"req-\#(status)","HostId":"business.aliyuncs.com","Code":"\#(code)","Message":"m","Recommend":"https://error-center.aliyun.com"}"#
                let error = failure(body, status: status)
                XCTAssertEqual(error?.reason, reason, "\(code) with HTTP \(status)")
                XCTAssertEqual(error?.code, code)
                XCTAssertEqual(error?.requestID, "req-\(status)")
            }
        }
    }

    func testNotApplicableSaysToUseTheOtherSitesEndpoint() {
        let error = failure(#"{"Code":"NotApplicable","HostId":"business.aliyuncs.com","Message":"This API is not applicable for caller.","RequestId":"9FE874F0"}"#,
                            status: 400)
        XCTAssertEqual(error?.reason, .upstream_error)
        XCTAssertEqual(error?.message, "QueryAccountBalance: the key's account is not served by this endpoint: China-site (aliyun.com) "
                       + "accounts use https://business.aliyuncs.com, international-site (alibabacloud.com) accounts use "
                       + "https://business.ap-southeast-1.aliyuncs.com; set the account's endpoint to the other site. "
                       + "Upstream: This API is not applicable for caller.")
    }

    func testPermissionErrorNamesThePermissionAndTheDeniedAction() throws {
        let error = try XCTUnwrap(failure(#"{"Code":"NoPermission","Message":"You are not authorized to perform this action.","RequestId":"r","AccessDeniedDetail":{"AuthAction":"bss:DescribeAcccount","NoPermissionType":"ImplicitDeny"}}"#,
                                          status: 400))
        XCTAssertEqual(error.reason, .permission)
        XCTAssertTrue(error.message.hasPrefix("QueryAccountBalance: the RAM user or role needs bss:DescribeAcccount or "
                                              + "bssapi:QueryAccountBalance (system policy AliyunBSSReadOnlyAccess). Upstream: "), error.message)
        XCTAssertTrue(error.message.hasSuffix("You are not authorized to perform this action. (denied action: bss:DescribeAcccount)"),
                      error.message)
    }

    func testNonSuccessWithoutAnErrorEnvelopeIsHTTPStatusAnd429IsThrottled() {
        XCTAssertEqual(failure("<html><body>502 Bad Gateway</body></html>", status: 502)?.reason, .http_status)
        XCTAssertEqual(failure("", status: 503)?.reason, .http_status)
        XCTAssertEqual(failure(#"{"Message":"no code"}"#, status: 500)?.reason, .http_status)
        XCTAssertEqual(failure(answer(#""AvailableAmount":"1""#), status: 500)?.reason, .http_status)
        XCTAssertEqual(failure("<html>Too Many Requests</html>", status: 429)?.reason, .throttled)
        XCTAssertEqual(failure("", status: 429, headers: ["x-acs-request-id": "gw-7"])?.requestID, "gw-7")
    }

    // MARK: Retry delay

    func testRetryDelayFromRetryAfterOrFromTheMillisecondsOfXAcsRetryAfter() {
        let throttled = #"{"Code":"Throttling.User","Message":"Request was denied due to user flow control.","RequestId":"r"}"#
        XCTAssertEqual(failure("", status: 429, headers: ["retry-after": "7"])?.retryAfter, 7)
        XCTAssertEqual(failure(throttled, status: 400, headers: ["x-acs-retry-after": "2500"])?.retryAfter, 2.5)
        XCTAssertEqual(failure(throttled, status: 400, headers: ["retry-after": "3", "x-acs-retry-after": "2500"])?.retryAfter, 3)
        XCTAssertEqual(failure("", status: 429, headers: ["retry-after": "Fri, 15 Jan 2027 08:00:10 GMT"])?.retryAfter, 10)
        for header in ["0", "-1", "abc", "", "99999999999999999999"] {
            XCTAssertNil(failure(throttled, status: 400, headers: ["x-acs-retry-after": header])?.retryAfter, header)
        }
        XCTAssertNil(failure(throttled, status: 400)?.retryAfter)
    }

    // MARK: Bounds

    func testUpstreamTextsAreScrubbedAndBounded() throws {
        let long = String(repeating: "m", count: 5000)
        let body = #"{"Code":"SignatureDoesNotMatch\#(Self.secret)","Message":"server string to sign is:\nACS3-HMAC-SHA256\n\#(Self.secret) \#(long)","RequestId":"\#(String(repeating: "r", count: 500))"}"#
        let error = try XCTUnwrap(failure(body, status: 400))
        for text in [error.message, error.code ?? "", error.requestID ?? ""] {
            XCTAssertFalse(text.contains(Self.secret), text)
            XCTAssertFalse(text.unicodeScalars.contains { $0.value < 0x20 }, text)
        }
        XCTAssertEqual(error.message.count, UpstreamText.maxMessage + 1)
        XCTAssertEqual(error.requestID?.count, UpstreamText.maxIdentifier + 1)
        XCTAssertTrue(error.message.contains("<redacted>"))
        let bad = try XCTUnwrap(failure(answer(#""AvailableAmount":"\#(Self.secret)""#)))
        XCTAssertFalse(bad.message.contains(Self.secret), "a non-number echoed in the message is scrubbed too")
    }
}
