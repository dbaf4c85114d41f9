import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceHuaweiCloud
@testable import BalanceSimulators

/// Every documented error of the balance call classified as the issue
/// prescribes, with its code, request ID, `Retry-After`, and texts bounded
/// and free of secrets.
final class HuaweiResponseTests: XCTestCase {
    private let now = 1_800_000_000.0
    private let secret = "SECRET-SK-0123456789"
    private let token = "SECRET-TOKEN-abcdef"

    private func exchange(_ endpoint: String = "https://bss.myhuaweicloud.com", call: String? = nil) -> HuaweiResponse.Exchange {
        HuaweiResponse.Exchange(call: call, endpoint: HTTPURL(string: endpoint)!, now: now, secrets: [secret, token])
    }

    private func failure(_ status: Int, _ body: String, headers: HTTPHeaders = [:],
                         endpoint: String = "https://bss.myhuaweicloud.com") -> ProviderError? {
        let response = HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
        do {
            _ = try HuaweiBalanceMapping.balance(response, exchange(endpoint), domainId: nil)
            return nil
        } catch {
            return error
        }
    }

    private func gateway(_ code: String, _ message: String) -> String {
        #"{"error_msg": "\#(message)", "error_code": "\#(code)", "request_id": "req-body"}"#
    }

    func testGatewayAuthenticationFailuresAreAuthAndKeepTheirCodeAndRequestID() throws {
        for message in ["Incorrect IAM authentication information: Get secretKey failed,ak:******,err:ak not exist",
                        "Incorrect IAM authentication information: verify aksk signature fail, canonicalRequest:GET|/|"] {
            for code in ["APIGW.0301", "APIG.0301"] {
                let error = try XCTUnwrap(failure(401, gateway(code, message), headers: ["x-request-id": "req-header"]))
                XCTAssertEqual(error.reason, .auth, code)
                XCTAssertEqual(error.code, code)
                XCTAssertEqual(error.requestID, "req-body", "the gateway's body names the request")
                XCTAssertTrue(error.message.hasPrefix(message), error.message)
            }
        }
    }

    func testExpiredSignatureIsClockAndNamesTheServersTime() throws {
        let message = "Incorrect IAM authentication information: calc aksk signature fail:signature expired, signature time:20270115T080000Z,server time:20270115T081600Z"
        let error = try XCTUnwrap(failure(401, gateway("APIGW.0301", message), headers: ["date": "Fri, 15 Jan 2027 08:16:40 GMT"]))
        XCTAssertEqual(error.reason, .clock)
        XCTAssertTrue(error.message.hasSuffix("(the server's Date is Fri, 15 Jan 2027 08:16:40 GMT: this host's clock is 1000 s behind)"),
                      error.message)
        XCTAssertEqual(HuaweiResponse.serverClockOffset(["date": "Fri, 15 Jan 2027 07:46:40 GMT"], now: now), -800)
        XCTAssertNil(HuaweiResponse.serverClockOffset([:], now: now))
    }

    func testLockedKeyIsAuthWithAHint() throws {
        let error = try XCTUnwrap(failure(401, gateway("APIGW.0301", "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden")))
        XCTAssertEqual(error.reason, .auth)
        XCTAssertTrue(error.message.contains("locks an access key for 5 minutes"), error.message)
    }

    func testThrottlingBy429OrCodeWithRetryAfter() throws {
        let coded = try XCTUnwrap(failure(429, gateway("APIGW.0308", "The throttling threshold has been reached: policy ip over ratelimit,limit:10,time:1 second"),
                                          headers: ["retry-after": "3"]))
        XCTAssertEqual(coded.reason, .throttled)
        XCTAssertEqual(coded.code, "APIGW.0308")
        XCTAssertEqual(coded.retryAfter, 3)
        XCTAssertEqual(failure(200, gateway("APIG.0308", "throttled"))?.reason, .throttled, "the code throttles whatever the status")
        let bare = try XCTUnwrap(failure(429, "<html>Too Many Requests</html>", headers: ["retry-after": "Fri, 15 Jan 2027 08:00:10 GMT"]))
        XCTAssertEqual(bare.reason, .throttled, "HTTP 429 is throttling without an envelope")
        XCTAssertEqual(bare.retryAfter, 10)
        XCTAssertEqual(failure(429, #"{"error_code": "CBC.0151", "error_msg": "Access denied."}"#)?.reason, .throttled,
                       "HTTP 429 whatever the body says")
    }

    func testBSSCodesPermissionAndOtherSite() throws {
        let denied = try XCTUnwrap(failure(403, #"{"error_code": "CBC.0151", "error_msg": "Access denied."}"#, headers: ["x-request-id": "rid-7"]))
        XCTAssertEqual(denied.reason, .permission)
        XCTAssertEqual(denied.code, "CBC.0151")
        XCTAssertEqual(denied.requestID, "rid-7", "BSS's body has none: the header's")
        let site = #"{"error_code": "CBC.0156", "error_msg": "Access denied. The customer does not belong to the website you are now at."}"#
        let fromChina = try XCTUnwrap(failure(403, site))
        XCTAssertEqual(fromChina.reason, .upstream_error)
        XCTAssertTrue(fromChina.message.hasSuffix("(the account belongs to another Huawei Cloud site: set endpoint to https://bss-intl.myhuaweicloud.com or https://bss.myhuaweicloud.eu)"),
                      fromChina.message)
        let fromIntl = try XCTUnwrap(failure(403, site, endpoint: "https://BSS-INTL.myhuaweicloud.com"))
        XCTAssertTrue(fromIntl.message.hasSuffix("set endpoint to https://bss.myhuaweicloud.com or https://bss.myhuaweicloud.eu)"), fromIntl.message)
    }

    func testAnErrorCodeInA200BodyIsAFailureAndOtherEnvelopesAreUpstreamErrors() throws {
        let in200 = try XCTUnwrap(failure(200, #"{"error_code": "CBC.3002", "error_msg": "The customer does not exist.", "account_balances": []}"#))
        XCTAssertEqual(in200.reason, .upstream_error)
        XCTAssertEqual(in200.code, "CBC.3002")
        for (status, body, code) in [(500, #"{"error_code": "CBC.0999", "error_msg": "Other errors."}"#, "CBC.0999"),
                                     (502, gateway("APIGW.0202", "Backend unavailable."), "APIGW.0202"),
                                     (403, gateway("APIGW.0302", "The IAM user is not authorized to access the API."), "APIGW.0302"),
                                     (404, gateway("APIGW.0101", "The API does not exist."), "APIGW.0101"),
                                     (400, #"{"errorCode": "CBC.0100", "errorMsg": "invalid parameter"}"#, "CBC.0100"),
                                     (400, #"{"code": "CBC.0100", "message": "invalid parameter"}"#, "CBC.0100")] {
            let error = try XCTUnwrap(failure(status, body), body)
            XCTAssertEqual(error.reason, .upstream_error, body)
            XCTAssertEqual(error.code, code, body)
        }
    }

    func testKeystoneNestedEnvelopeOfIAM() throws {
        let body = #"{"error": {"code": 403, "message": "You are not authorized to perform the requested action.", "title": "Forbidden"}}"#
        let response = HTTPResponse(status: 403, headers: [:], body: Array(body.utf8))
        XCTAssertThrowsError(try HuaweiIdentityResponse.parse(response, exchange(call: "IAM GET /v3/auth/domains"))) { error in
            let error = error as! ProviderError
            XCTAssertEqual(error.reason, .permission)
            XCTAssertEqual(error.code, "403")
            XCTAssertEqual(error.message, "IAM GET /v3/auth/domains: You are not authorized to perform the requested action.")
        }
        let unauthorized = #"{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}"#
        XCTAssertEqual(failure(401, unauthorized)?.reason, .auth)
    }

    func testWithoutAnEnvelopeNon2xxIsHTTPStatusAnd2xxIsBadResponse() throws {
        XCTAssertEqual(failure(502, "<html>Bad Gateway</html>")?.reason, .http_status)
        XCTAssertEqual(failure(503, #"{"message_without_code": 1}"#)?.reason, .http_status)
        XCTAssertEqual(failure(403, #"{"error_msg": "no code"}"#)?.reason, .http_status)
        XCTAssertEqual(failure(200, "<html>maintenance</html>")?.reason, .bad_response)
        XCTAssertEqual(failure(200, #"{"account_balances": [{"account_type": 1, "amount": 1"#)?.reason, .bad_response)
        XCTAssertEqual(failure(200, "[]")?.reason, .bad_response)
        let flagWithoutCode = try XCTUnwrap(failure(200, #"{"error_msg": "something failed", "account_balances": []}"#))
        XCTAssertEqual(flagWithoutCode.reason, .bad_response)
        XCTAssertNil(flagWithoutCode.code)
        XCTAssertEqual(failure(200, #"{"error_code": "", "account_balances": []}"#)?.reason, .bad_response)
    }

    func testEchoedSecretsAreScrubbedThenTextsCut() throws {
        let echoed = "Incorrect IAM authentication information: verify aksk signature fail, canonicalRequest:GET|/v2/|"
            + "x-security-token:\(token)|sk=\(secret)|" + String(repeating: "x", count: 2000)
        let body = #"{"error_msg": "\#(echoed)", "error_code": "APIGW.0301\u0007", "request_id": "\#(token)\#(String(repeating: "r", count: 300))"}"#
        let error = try XCTUnwrap(failure(401, body))
        for text in [error.message, error.code ?? "", error.requestID ?? ""] {
            XCTAssertFalse(text.contains(token) || text.contains(secret), text)
            XCTAssertFalse(text.unicodeScalars.contains { $0.value < 0x20 }, text)
        }
        XCTAssertTrue(error.message.contains("x-security-token:<redacted>|sk=<redacted>|"), error.message)
        XCTAssertEqual(error.message.count, UpstreamText.maxMessage + 1)
        XCTAssertEqual(error.code, "APIGW.0301")
        XCTAssertEqual(error.requestID?.count, UpstreamText.maxIdentifier + 1)
    }

    func testCallPrefixesMessagesOfOtherCalls() throws {
        let response = HTTPResponse(status: 500, headers: [:], body: Array("oops".utf8))
        XCTAssertThrowsError(try HuaweiIdentityResponse.parse(response, exchange(call: "IAM GET /v3/auth/domains"))) { error in
            XCTAssertEqual((error as! ProviderError).message, "IAM GET /v3/auth/domains: HTTP status 500 without a Huawei Cloud error body")
        }
    }
}
