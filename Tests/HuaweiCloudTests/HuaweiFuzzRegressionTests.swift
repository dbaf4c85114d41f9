import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceHuaweiCloud

/// Inputs on which the Huawei fuzz targets (Tests/fuzz/FuzzHuawei.swift)
/// broke an invariant, fed to the parser that broke it. The same bytes are
/// seeds in Tests/fuzz/corpus/huawei_*/regression_*.
final class HuaweiFuzzRegressionTests: XCTestCase {
    private let secret = "fuzz-secret-key-0123456789"

    private var exchange: HuaweiResponse.Exchange {
        HuaweiResponse.Exchange(endpoint: HTTPURL(string: "https://bss.myhuaweicloud.com")!, now: 1_800_000_000, secrets: [secret])
    }

    // huawei_balance: an answer without a balance entry was refused by the
    // mapping, after the parser had bounded its errors: the X-Request-Id
    // header went out unscrubbed and uncut.
    func testTheMappingsErrorsAreBoundedTooWithTheHeadersRequestID() throws {
        let requestID = "fuzz-request-\(secret)" + String(repeating: "r", count: 500)
        for body in [#"{"account_balance'": []}"#, #"{"account_balances": [{"account_type": 1, "amount": 1, "measure_id": 9}]}"#] {
            let response = HTTPResponse(status: 200, headers: ["x-request-id": requestID], body: Array(body.utf8))
            XCTAssertThrowsError(try HuaweiBalanceMapping.balance(response, exchange, domainId: nil), body) { error in
                let error = error as! ProviderError
                XCTAssertEqual(error.reason, .bad_response)
                XCTAssertEqual(error.requestID, UpstreamText.cap("fuzz-request-<redacted>" + String(repeating: "r", count: 500),
                                                                 UpstreamText.maxIdentifier))
            }
        }
    }

    // huawei_credentials: a 429 from the metadata service whose body named
    // the missing agency was reported as `auth`; HTTP 429 is throttling.
    func testMetadata429IsThrottlingWhateverItsBodySays() {
        let response = HTTPResponse(status: 429, headers: ["retry-after": "5"],
                                        body: Array("Please configure Cloud Service Agency first".utf8))
        XCTAssertThrowsError(try HuaweiMetadataCredentials.parse(response, exchange)) { error in
            let error = error as! ProviderError
            XCTAssertEqual(error.reason, .throttled)
            XCTAssertEqual(error.retryAfter, 5)
        }
    }
}
