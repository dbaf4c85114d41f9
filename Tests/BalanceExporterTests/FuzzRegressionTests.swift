import BalanceTestSupport
import Foundation
import Synchronization
import XCTest
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceHTTP
@testable import BalanceSupport
@testable import BalanceTencentCloud
@testable import BalanceYeastar

/// Inputs on which the fuzz targets (Tests/fuzz) crashed the process, each
/// fed to the decoder that crashed, asserting a sane answer. The same bytes
/// are seeds in Tests/fuzz/corpus/<target>/regression_*, so every fuzz run
/// starts from them too.
final class FuzzRegressionTests: XCTestCase {
    // duration, config: "999999999999999y" parsed to 3.2e22 s; logging it
    // (PrometheusDuration.format, e.g. the backoff's retry_in after a credential
    // error) trapped converting it to Int.
    func testDurationBeyondPrometheusRangeIsRejectedNotACrashLater() throws {
        XCTAssertNil(PrometheusDuration.parse("999999999999999y"))
        XCTAssertNil(PrometheusDuration.parse("293y"))
        let largest = try XCTUnwrap(PrometheusDuration.parse("292y"))
        XCTAssertEqual(largest, 9_208_512_000)
        XCTAssertEqual(PrometheusDuration.format(largest), "2557920h")
    }

    func testConfigWithAnEnormousRefreshIntervalNamesTheKey() {
        let loader = ConfigLoader(schemas: [TencentCloud.schema, Yeastar.schema], environment: [:])
        let bytes = Array(#"{"refresh_interval": "999999999999999y", "accounts": []}"#.utf8)
        guard case .failure(let problems) = Result(catching: { () throws(ConfigProblems) in try loader.load(bytes: bytes, source: "fuzz.json") }) else {
            return XCTFail("an out-of-range duration was accepted")
        }
        XCTAssertEqual(problems.problems.map(\.key), ["refresh_interval"])
        XCTAssertTrue(problems.description.contains("invalid duration \"999999999999999y\""), problems.description)
    }

    // config: `"requests_per_second": 11e400` was read as an infinite rate
    // (JSONDecoder had refused the number; our parser kept it, and its
    // Double was infinite). Numbers beyond Double's range are now refused.
    func testConfigNumberBeyondDoublesRangeIsASyntaxErrorNotAnInfiniteRate() {
        let loader = ConfigLoader(schemas: [TencentCloud.schema, Yeastar.schema], environment: [:])
        let bytes = Array(#"{"providers": {"yeastar": {"requests_per_second": 11e400}}}"#.utf8)
        guard case .failure(let problems) = Result(catching: { () throws(ConfigProblems) in try loader.load(bytes: bytes, source: "fuzz.json") }) else {
            return XCTFail("an infinite rate was accepted")
        }
        XCTAssertEqual(problems.description, "config file: not valid JSON: line 1, column 51: number out of range (beyond a Double's ±1.8e308)")
    }

    // json: a duplicate key was named in full in the error, so a key of
    // megabytes made a message (and a log line) of megabytes.
    func testDuplicateKeyErrorNamesOnlyTheStartOfALongKey() {
        let key = String(repeating: "\\u0001", count: 100) + String(repeating: "x", count: 1000)
        let bytes = Array(#"{"\#(key)": 1, "\#(key)": 2}"#.utf8)
        XCTAssertThrowsError(try JSONValue.decode(bytes)) { error in
            let shown = String(repeating: "\\u0001", count: 40)
            XCTAssertEqual("\(error)", #"line 1, column 1609: duplicate key "\#(shown)…""#)
        }
    }

    // tencent_balance: an amount with an exponent near Int.min passed the
    // finite check (its value is 0) and then trapped shifting the exponent
    // by the two digits of cents.
    func testTencentAmountWithExtremeNegativeExponentIsZero() throws {
        let body = #"{"Response":{"RealBalance":1e-9223372036854775808,"Balance":"-1E-9223372036854775807","RequestId":"r"}}"#
        let reading = try TencentBalanceMapping.reading(status: 200, body: Array(body.utf8))
        XCTAssertEqual(reading.available, 0)
        XCTAssertEqual(reading.fields.map(\.descriptor), [TencentMetrics.balance, TencentMetrics.realBalance])
        XCTAssertEqual(reading.fields.map(\.value), [0, 0])
    }

    // yeastar_token: `expiresIn` of 1e300 became the token's lifetime, and
    // installing the token trapped formatting it as whole seconds for the log.
    func testYeastarTokenWithAbsurdLifetimeIsUsedAndRefreshedWithinFifteenDays() async throws {
        let fixture = YeastarFixture()
        let transport = FixedYeastarTransport(
            token: #"{"code":"success","result":{"token":"opaque-token","expiresIn":"1e300"}}"#,
            balance: #"{"code":"success","result":{"accountBalance":12.5}}"#)
        let client = try fixture.makeClient(transport: transport)

        let reading = try await client.fetchBalance()
        XCTAssertEqual(reading.available, 12.5)
        XCTAssertEqual(transport.tokenCalls, 1)

        // The lifetime is capped at 15 days, so a renewal comes at 80% of it.
        fixture.clock.advance(by: 12 * 86_400 - 1)
        _ = try await client.fetchBalance()
        XCTAssertEqual(transport.tokenCalls, 1)
        fixture.clock.advance(by: 2)
        _ = try await client.fetchBalance()
        XCTAssertEqual(transport.tokenCalls, 2)
    }
}

/// Answers the token endpoint and the balance endpoint with fixed bodies
/// (HTTP 200), counting token calls.
private final class FixedYeastarTransport: HTTPTransport {
    private let token: [UInt8]
    private let balance: [UInt8]
    private let calls = Mutex(0)

    init(token: String, balance: String) {
        self.token = Array(token.utf8)
        self.balance = Array(balance.utf8)
    }

    var tokenCalls: Int { calls.withLock { $0 } }

    func send(_ request: HTTPRequest, to url: HTTPURL, timeout: Double) async throws(TransportError) -> HTTPResponse {
        if url.path == YeastarAPI.tokenPath {
            calls.withLock { $0 += 1 }
            return HTTPResponse(status: 200, body: token)
        }
        return HTTPResponse(status: 200, body: balance)
    }
}
