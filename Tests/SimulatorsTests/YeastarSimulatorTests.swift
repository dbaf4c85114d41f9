import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport
@testable import BalanceYeastar

/// The simulated Partner Portal, driven with raw requests as a socket server
/// would hand them over.
final class YeastarSimulatorTests: XCTestCase {
    let clock = TestClock()
    lazy var simulator: YeastarSimulator = {
        let simulator = YeastarSimulator(clock: clock, options: .init(tokenLifetime: 5))
        simulator.addClient(id: "c1", secret: "s1", userID: 77, balance: 10.5)
        return simulator
    }()

    func testGrantIssuesAJWTWithExpAndXMSUserAndExpiresInAsAString() throws {
        let response = simulator.handle(tokenRequest("client_id=c1&client_secret=s1&grant_type=pp_credentials"))
        XCTAssertEqual(response.status, 200)
        let body = try XCTUnwrap(JSONValue.parse(response.body))
        XCTAssertEqual(body["code"], .string("success"))
        XCTAssertEqual(body["result"]?["expiresIn"], .string("5"))
        XCTAssertEqual(body["result"]?["tokenHead"], .string("Bearer "))
        let token = try XCTUnwrap(body["result"]?["token"]?.string)
        XCTAssertEqual(token.split(separator: ".").count, 3)
        XCTAssertEqual(YeastarJWTClaims.parse(token), YeastarJWTClaims(expiresAt: clock.now() + 5, userID: "77"))
        XCTAssertNotNil(body["result"]?["refreshToken"]?.string)
    }

    func testRefreshTokensRotateAndAnOldOneIsRefused() throws {
        let first = try result(simulator.handle(tokenRequest("client_id=c1&client_secret=s1&grant_type=pp_credentials")))
        let old = try XCTUnwrap(first["refreshToken"]?.string)
        let second = try result(simulator.handle(tokenRequest("grant_type=refresh_token&refresh_token=\(old)")))
        XCTAssertNotEqual(second["refreshToken"]?.string, old)
        XCTAssertNotEqual(second["token"]?.string, first["token"]?.string)

        let reused = simulator.handle(tokenRequest("grant_type=refresh_token&refresh_token=\(old)"))
        XCTAssertEqual(YeastarEnvelope.parse(reused.body)?.code, "invalid_refresh_token")
        XCTAssertEqual(simulator.counters.refreshes, 2)
        XCTAssertEqual(simulator.counters.refusedRefreshes, 1)
    }

    func testBalanceNeedsAValidUnexpiredToken() throws {
        let token = try XCTUnwrap(result(simulator.handle(tokenRequest("client_id=c1&client_secret=s1&grant_type=pp_credentials")))["token"]?.string)
        let ok = simulator.handle(balanceRequest("Bearer \(token)"))
        XCTAssertEqual(ok.status, 200)
        XCTAssertEqual(String(decoding: ok.body, as: UTF8.self),
                       "{\"code\":\"success\",\"detailMessage\":\"\",\"requestId\":\"sim-2\",\"result\":{\"accountBalance\":10.5},\"status\":200}")

        XCTAssertEqual(simulator.handle(balanceRequest("Bearer nope")).status, 401)
        clock.advance(by: 5)
        XCTAssertEqual(simulator.handle(balanceRequest("Bearer \(token)")).status, 401)
        XCTAssertEqual(simulator.counters.rejectedBalanceCalls, 2)
    }

    func testRestartForgetsEveryToken() throws {
        let token = try XCTUnwrap(result(simulator.handle(tokenRequest("client_id=c1&client_secret=s1&grant_type=pp_credentials")))["token"]?.string)
        simulator.restart()
        XCTAssertEqual(simulator.handle(balanceRequest("Bearer \(token)")).status, 401)
    }

    func testRequiresUserAgentFormContentTypeAndKnownPaths() {
        var noAgent = tokenRequest("client_id=c1&client_secret=s1&grant_type=pp_credentials")
        noAgent.headers.remove("User-Agent")
        XCTAssertEqual(YeastarEnvelope.parse(simulator.handle(noAgent).body)?.code, "parameter_validation_failed")

        var json = tokenRequest("{}")
        json.headers = [("User-Agent", "t"), ("Content-Type", "application/json")]
        XCTAssertEqual(YeastarEnvelope.parse(simulator.handle(json).body)?.code, "parameter_validation_failed")

        XCTAssertEqual(simulator.handle(HTTPRequest(method: "GET", target: "/nope", headers: [("User-Agent", "t")])).status, 404)
        XCTAssertEqual(simulator.handle(HTTPRequest(method: "GET", target: YeastarAPI.tokenPath, headers: [("User-Agent", "t")])).status, 405)
        XCTAssertEqual(simulator.counters.grants, 0)
    }

    func testScriptedFaultsAreServedInOrderThenNormalService() {
        simulator.inject(.httpStatus(503), on: .token)
        simulator.inject(.garbage, on: .token)
        let grant = tokenRequest("client_id=c1&client_secret=s1&grant_type=pp_credentials")
        XCTAssertEqual(simulator.handle(grant).status, 503)
        XCTAssertNil(JSONValue.parse(simulator.handle(grant).body))
        XCTAssertEqual(YeastarEnvelope.parse(simulator.handle(grant).body)?.code, "success")
        XCTAssertEqual(simulator.counters.grants, 3)
    }

    func testDemoClientDrainsOnEveryCall() async throws {
        let demo = YeastarSimulator(clock: clock)
        demo.addClient(id: "drain-client", secret: "drain-secret", userID: 100_042, balance: 100, drainPerCall: 0.37)
        var account = AccountConfig(name: "demo", provider: "yeastar", endpoint: "http://127.0.0.1:1", refreshInterval: 60)
        account.values = ["client_id": .string("drain-client"), "client_secret": .string("drain-secret")]
        let context = ProviderContext(transport: HandlerTransport(handler: demo), clock: clock, logger: .discard,
                                      environment: [:], userAgent: YeastarFixture.userAgent)
        let client = try Yeastar.schema.make(account, context)
        let first = try await client.fetchBalance()
        let second = try await client.fetchBalance()
        XCTAssertEqual(first.available, 100)
        XCTAssertEqual(try XCTUnwrap(second.available), 99.63, accuracy: 1e-9)
        XCTAssertEqual(first.uin, String(100_042))
    }

    // MARK: Helpers

    private func tokenRequest(_ body: String) -> HTTPRequest {
        HTTPRequest(method: "POST", target: YeastarAPI.tokenPath,
                    headers: [("User-Agent", "OpenAPI"), ("Content-Type", "application/x-www-form-urlencoded")],
                    body: Array(body.utf8))
    }

    private func balanceRequest(_ authorization: String) -> HTTPRequest {
        HTTPRequest(method: "GET", target: YeastarAPI.balancePath,
                    headers: [("User-Agent", "OpenAPI"), ("Authorization", authorization)])
    }

    private func result(_ response: HTTPResponse) throws -> JSONValue {
        try XCTUnwrap(JSONValue.parse(response.body)?["result"])
    }
}
