import BalanceTestSupport
import XCTest
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport
@testable import BalanceTencentCloud

/// The simulator checks signatures on its own code path: requests signed the way the
/// official SDK signs them (content-type;host only) pass, tampered ones fail.
final class TencentCloudSimulatorTests: XCTestCase {
    /// One plausible account readable with `AKIDdemo` / `demo-secret-key`.
    private func simulatorWithOneAccount() -> TencentCloudSimulator {
        let simulator = TencentCloudSimulator(clock: TestClock())
        simulator.setAccount("demo", SimulatedTencentAccount(
            uin: .number(100000000001), balance: 1234567, realBalance: 1234567, cashAccountBalance: 1234567,
            incomeIntoAccountBalance: 0, presentAccountBalance: 0, freezeAmount: 2500, oweAmount: 0,
            isAllowArrears: false, isCreditLimited: false, creditAmount: 0, creditBalance: 0, realCreditBalance: 0,
            tempCredit: 50000, tempAmounts: [.init(uin: "100000000001", amountCents: 50000,
                                                    startTime: "2026-11-16 00:00:00", endTime: "2026-12-16 23:59:59")]))
        simulator.addCredential(secretId: "AKIDdemo", secretKey: "demo-secret-key", account: "demo")
        return simulator
    }

    private func signedRequest(body: String = "{}", key: String = "demo-secret-key", timestamp: Int = 1_800_000_000,
                               action: String = "DescribeAccountBalance") -> HTTPRequest {
        let signature = TC3Signer.sign(secretId: "AKIDdemo", secretKey: key, service: "billing", host: "127.0.0.1:8080",
                                       contentType: "application/json", payload: Array(body.utf8), timestamp: timestamp)
        return HTTPRequest(method: "POST", target: "/", headers: [
            ("Host", "127.0.0.1:8080"), ("Content-Type", "application/json"), ("X-TC-Action", action),
            ("X-TC-Version", "2018-07-09"), ("X-TC-Timestamp", String(timestamp)), ("Authorization", signature.authorization),
        ], body: Array(body.utf8))
    }

    private func code(_ response: HTTPResponse) -> String? {
        JSONValue.parse(response.body)?["Response"]?["Error"]?["Code"]?.string
    }

    func testDemoAccountAnswersASignedRequest() throws {
        let simulator = simulatorWithOneAccount()
        let response = simulator.handle(signedRequest(body: #"{"TempCredit":true}"#))
        XCTAssertEqual(response.status, 200)
        XCTAssertNil(code(response))
        let reading = try TencentBalanceMapping.reading(status: response.status, body: response.body)
        XCTAssertEqual(reading.available, 12345.67)
        XCTAssertEqual(reading.uin, "100000000001")
    }

    func testTamperedBodyWrongKeyStaleTimestampAndWrongActionAreRejected() {
        let simulator = simulatorWithOneAccount()
        var tampered = signedRequest()
        tampered.body = Array(#"{"TempCredit":true}"#.utf8)
        XCTAssertEqual(code(simulator.handle(tampered)), "AuthFailure.SignatureFailure")
        XCTAssertEqual(code(simulator.handle(signedRequest(key: "guess"))), "AuthFailure.SignatureFailure")
        XCTAssertEqual(code(simulator.handle(signedRequest(timestamp: 1_800_000_000 - 301))), "AuthFailure.SignatureExpire")
        XCTAssertEqual(code(simulator.handle(signedRequest(action: "DescribeBillList"))), "InvalidAction")
        XCTAssertEqual(simulator.handle(signedRequest(key: "guess")).status, 200, "Tencent answers errors with HTTP 200")
        XCTAssertEqual(simulator.requestCount, 5)
    }

    /// `--demo` answers from these simulators for as long as it runs: what
    /// they keep of the requests they received stays bounded.
    func testAnyNumberOfRequestsKeepsOnlyTheLastFewAndCountsThemAll() {
        let simulator = simulatorWithOneAccount()
        for n in 0..<(RequestLog.capacity + 250) {
            _ = simulator.handle(HTTPRequest(method: "POST", target: "/", headers: [("X-Request", String(n))]))
        }
        let kept = simulator.requests
        XCTAssertEqual(simulator.requestCount, RequestLog.capacity + 250)
        XCTAssertEqual(kept.count, RequestLog.capacity)
        XCTAssertEqual(kept.first?.headers["X-Request"], "250", "the oldest are forgotten")
        XCTAssertEqual(kept.last?.headers["X-Request"], String(RequestLog.capacity + 249))
    }

    func testRawAndNullFieldsAreSentVerbatim() throws {
        let simulator = simulatorWithOneAccount()
        simulator.updateAccount("demo") { account in
            account.rawFields = ["Balance": "12345.5", "Uin": "\"42\""]
            account.nullFields = ["RealBalance"]
        }
        let response = simulator.handle(signedRequest())
        let json = try XCTUnwrap(JSONValue.parse(response.body)?["Response"])
        XCTAssertEqual(json["Balance"]?.number?.literal, "12345.5")
        XCTAssertEqual(json["Uin"], .string("42"))
        XCTAssertEqual(json["RealBalance"], .null)
        XCTAssertNil(json["TempCredit"], "only sent when the request asks for it")
    }
}
