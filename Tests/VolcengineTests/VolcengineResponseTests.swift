import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceVolcengine

/// QueryBalanceAcct answers → the documented fields, the samples, or the
/// failure an operator should see (reason, code, request ID, Retry-After),
/// bounded and free of secrets.
final class VolcengineResponseTests: XCTestCase {
    private let now = 1_800_000_000.0
    private let secret = "EXAMPLESECRETACCESSKEY0000=="

    private func response(_ body: String, status: Int = 200, headers: HTTPHeaders = [:]) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
    }

    private func success(_ result: String) -> HTTPResponse {
        response(#"{"ResponseMetadata":{"RequestId":"req-1","Action":"QueryBalanceAcct","Version":"2022-01-01","Service":"billing"},"Result":\#(result)}"#)
    }

    private func balance(_ response: HTTPResponse) throws(ProviderError) -> VolcengineBalance {
        try VolcengineBalanceMapping.balance(response, now: now, secrets: [secret])
    }

    private func failure(_ response: HTTPResponse, file: StaticString = #filePath, line: UInt = #line) -> ProviderError? {
        do throws(ProviderError) {
            let balance = try balance(response)
            XCTFail("expected a failure, got \(balance)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    private func error(_ code: String, status: Int, message: String = "the message") -> HTTPResponse {
        response(#"{"ResponseMetadata":{"RequestId":"req-err","Action":"QueryBalanceAcct","Version":"2022-01-01","Service":"billing","Region":"cn-beijing","Error":{"CodeN":100010,"Code":"\#(code)","Message":"\#(message)"}}}"#,
                 status: status)
    }

    // MARK: Success

    /// The action's documented example: every field a sample in major units, AccountID the uin.
    func testDocumentedExampleMapsEveryFieldExactly() throws {
        let parsed = try balance(success(#"{"AccountID":2100000000,"ArrearsBalance":"1.01","AvailableBalance":"77.01","CashBalance":"83.01","CreditLimit":"0.01","FreezeAmount":"5.01"}"#))
        XCTAssertEqual(parsed.accountID, "2100000000")
        XCTAssertEqual(parsed.requestID, "req-1")
        XCTAssertNil(parsed.currency)
        XCTAssertEqual(VolcengineBalanceMapping.reading(parsed), BalanceReading(uin: "2100000000", available: 77.01, fields: [
            FieldSample(VolcengineMetrics.availableBalance, 77.01), FieldSample(VolcengineMetrics.cashBalance, 83.01),
            FieldSample(VolcengineMetrics.creditLimit, 0.01), FieldSample(VolcengineMetrics.arrearsBalance, 1.01),
            FieldSample(VolcengineMetrics.freezeAmount, 5.01),
        ]))
    }

    func testAccountIDKeepsEveryDigitAsNumberOrString() throws {
        let cases = [(#""3000000000""#, "3000000000"), ("9007199254740993", "9007199254740993"),
                     (#"" 18446744073709551617 ""#, "18446744073709551617"), ("2.1e9", "2100000000")]
        for (json, expected) in cases {
            XCTAssertEqual(try balance(success(#"{"AccountID":\#(json),"AvailableBalance":"1"}"#)).accountID, expected, json)
        }
        for json in ["null", #""""#, #""21-00""#, "-5", "1.5", "true", "{}"] {
            let parsed = try balance(success(#"{"AccountID":\#(json),"AvailableBalance":"1"}"#))
            XCTAssertNil(parsed.accountID, json)
            XCTAssertNil(VolcengineBalanceMapping.reading(parsed).uin, "the label falls back to the configured uin or the name")
        }
    }

    func testAbsentAndNullFieldsHaveNoSample() throws {
        let reading = VolcengineBalanceMapping.reading(try balance(success(#"{"AvailableBalance":"12.5","CashBalance":null,"FreezeAmount":"0"}"#)))
        XCTAssertEqual(reading, BalanceReading(uin: nil, available: 12.5, fields: [
            FieldSample(VolcengineMetrics.availableBalance, 12.5), FieldSample(VolcengineMetrics.freezeAmount, 0),
        ]))
    }

    func testSeparatorsSignsAndJSONNumbersAreReadExactly() throws {
        let parsed = try balance(success(#"{"AvailableBalance":"-1,234,567.89","CashBalance":" +0.10 ","CreditLimit":100000.07,"ArrearsBalance":"1,234.56","Currency":"CNY"}"#))
        XCTAssertEqual(parsed.available.double, -1234567.89)
        XCTAssertEqual(parsed.amounts["CashBalance"]?.double, 0.1)
        XCTAssertEqual(parsed.amounts["CreditLimit"]?.double, 100000.07)
        XCTAssertEqual(parsed.amounts["ArrearsBalance"]?.literal, "1234.56")
        XCTAssertEqual(parsed.currency, "CNY")
    }

    func testCurrencyIsAShortLabelOrNothing() throws {
        XCTAssertEqual(try balance(success(#"{"AvailableBalance":"1","Currency":" USD\n"}"#)).currency, "USD")
        for json in [#""""#, "null", "1", #""\#(String(repeating: "X", count: 17))""#] {
            XCTAssertNil(try balance(success(#"{"AvailableBalance":"1","Currency":\#(json)}"#)).currency, json)
        }
    }

    // MARK: Bad responses

    func testAPresentAmountThatIsNotAnAmountIsABadResponse() {
        for json in [#""abc""#, #""""#, #""1e5""#, #""12 CNY""#, "true", "{}", "[1]"] {
            let error = failure(success(#"{"AvailableBalance":"1","CreditLimit":\#(json)}"#))
            XCTAssertEqual(error?.reason, .bad_response, json)
            XCTAssertTrue(error?.message.contains("CreditLimit") ?? false, error?.message ?? json)
            XCTAssertEqual(error?.requestID, "req-1")
        }
    }

    func testNoBalanceNoResultNoEnvelopeOrNoJSONIsABadResponse() {
        let cases = [
            success(#"{"CashBalance":"1"}"#), success(#"{"AvailableBalance":null}"#),
            response(#"{"ResponseMetadata":{"RequestId":"r"}}"#), response(#"{"ResponseMetadata":{"RequestId":"r"},"Result":"x"}"#),
            response(#"{"Result":{"AvailableBalance":"1"}}"#),
            response("<html>maintenance</html>"), response(#"{"ResponseMetadata":{"RequestId":"r"},"Result":{"Avail"#),
            response(#"{"ResponseMetadata":{"RequestId":"r","Error":{"Message":"no code"}},"Result":{"AvailableBalance":"1"}}"#),
            response(#"{"ResponseMetadata":{"RequestId":"r","Error":"text"},"Result":{"AvailableBalance":"1"}}"#),
        ]
        for response in cases {
            XCTAssertEqual(failure(response)?.reason, .bad_response, String(decoding: response.body, as: UTF8.self))
        }
    }

    // MARK: Error envelopes and HTTP statuses

    /// The issue's table, literally; the body is checked even with HTTP 200.
    func testEveryDocumentedCodeHasItsReasonWhateverTheStatus() {
        let table: [(String, Int, FailureReason)] = [
            ("SignatureDoesNotMatch", 401, .auth), ("InvalidAccessKey", 401, .auth), ("InvalidSecretToken", 401, .auth),
            ("AccessDenied", 403, .permission), ("FlowLimitExceeded", 429, .throttled), ("InvalidTimestamp", 400, .clock),
            ("InvalidTimestamp", 403, .clock), ("InternalError", 500, .upstream_error), ("FailToConnect", 502, .upstream_error),
            ("InternalServiceTimeout", 504, .upstream_error), ("ServiceUnavailableTemp", 503, .upstream_error),
            ("RecordNoFound", 400, .upstream_error), ("InvalidParam", 400, .upstream_error),
            ("InvalidActionOrVersion", 404, .upstream_error), ("LackPolicy", 403, .upstream_error),
        ]
        for (code, status, reason) in table {
            for sent in [status, 200] {
                let error = failure(error(code, status: sent))
                XCTAssertEqual(error?.reason, reason, "\(code) with HTTP \(sent)")
                XCTAssertEqual(error?.code, code)
                XCTAssertEqual(error?.requestID, "req-err")
                XCTAssertEqual(error?.message, "the message")
            }
        }
    }

    /// HTTP 429 is throttling for every provider, whatever code comes with it.
    func testAnyCodeWithHTTP429IsThrottled() {
        for code in ["AccountFlowLimitExceeded", "SomethingNew"] {
            XCTAssertEqual(failure(error(code, status: 429))?.reason, .throttled, code)
            XCTAssertEqual(failure(error(code, status: 200))?.reason, .upstream_error, code)
        }
    }

    func testNonSuccessWithoutAnEnvelopeIsHTTPStatusAnd429IsThrottled() {
        XCTAssertEqual(failure(response("<html>502 Bad Gateway</html>", status: 502))?.reason, .http_status)
        XCTAssertEqual(failure(response(#"{"ResponseMetadata":{"Error":{}}}"#, status: 500))?.reason, .http_status)
        XCTAssertEqual(failure(response("", status: 404))?.reason, .http_status)
        let throttled = failure(response("Too Many Requests", status: 429, headers: ["retry-after": "30"]))
        XCTAssertEqual(throttled?.reason, .throttled)
        XCTAssertEqual(throttled?.retryAfter, 30)
    }

    func testRetryAfterIsKeptInSecondsOrAsAnHTTPDate() {
        let seconds = failure(response(#"{"ResponseMetadata":{"RequestId":"r","Error":{"Code":"FlowLimitExceeded","Message":"slow down"}}}"#,
                                       status: 429, headers: ["retry-after": "7"]))
        XCTAssertEqual(seconds?.reason, .throttled)
        XCTAssertEqual(seconds?.retryAfter, 7)
        // 1_800_000_000 is Fri, 15 Jan 2027 08:00:00 GMT.
        let date = failure(response("busy", status: 503, headers: ["retry-after": "Fri, 15 Jan 2027 08:02:00 GMT"]))
        XCTAssertEqual(date?.retryAfter, 120)
        XCTAssertNil(failure(error("InternalError", status: 500))?.retryAfter)
    }

    func testUpstreamTextsAreQuotedScrubbedAndCut() {
        let long = String(repeating: "x", count: 2000)
        let error = failure(response(#"{"ResponseMetadata":{"RequestId":"id-\#(secret)\u0007","Error":{"Code":"SignatureDoesNotMatch","Message":"bad\n key \#(secret) \#(long)"}}}"#, status: 401))
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(error?.code, "SignatureDoesNotMatch")
        XCTAssertEqual(error?.requestID, "id-<redacted>")
        XCTAssertTrue(error?.message.hasPrefix("bad key <redacted> xxx") ?? false, error?.message ?? "")
        XCTAssertEqual(error?.message.count, UpstreamText.maxMessage + 1)
        let empty = failure(response(#"{"ResponseMetadata":{"Error":{"Code":"AccessDenied","Message":""}}}"#, status: 403))
        XCTAssertEqual(empty?.message, "AccessDenied")
    }
}
