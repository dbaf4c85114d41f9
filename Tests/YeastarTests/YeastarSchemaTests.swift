import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceYeastar

final class YeastarSchemaTests: XCTestCase {
    func testSchemaDeclaresTheProviderAndItsKeys() {
        let schema = Yeastar.schema
        XCTAssertEqual(schema.name, "yeastar")
        XCTAssertEqual(schema.defaultEndpoint, "https://openapi.partner.yeastar.com")
        XCTAssertEqual(schema.defaultRequestsPerSecond, 2)
        XCTAssertEqual(schema.defaultMaxConcurrency, 2)
        XCTAssertEqual(schema.keys, [
            ConfigKeySpec("client_id", .string, required: true),
            ConfigKeySpec("client_secret", .string, required: true, secret: true),
            ConfigKeySpec("user_agent", .string),
            ConfigKeySpec("request_timeout", .duration),
        ])
    }

    func testAccountProblemsNameTheKey() {
        let f = YeastarFixture()
        var account = f.account()
        account.values["client_secret"] = .string("")
        account.endpoint = "openapi.partner.yeastar.com"
        account.values["user_agent"] = .string("evil\r\nX-Injected: 1")
        XCTAssertThrowsError(try Yeastar.makeClient(account, f.context())) { error in
            XCTAssertEqual((error as? ConfigProblems)?.problems.map(\.key), ["client_secret", "user_agent", "endpoint"])
            XCTAssertFalse("\(error)".contains(YeastarFixture.clientSecret))
        }
    }

    func testUserAgentAndTimeoutFromTheAccountAreSent() async throws {
        let f = YeastarFixture()
        let account = f.account(values: ["user_agent": .string("OpenAPI"), "request_timeout": .duration(3)])
        _ = try await Yeastar.makeClient(account, f.context()).fetchBalance()
        for exchange in f.transport.exchanges {
            XCTAssertTrue(exchange.request.headers.contains { $0.name == "User-Agent" && $0.value == "OpenAPI" })
            XCTAssertEqual(exchange.timeout, 3)
        }
        XCTAssertEqual(f.transport.exchanges.count, 2)
    }

    func testEndpointWithTrailingSlashOrPathPrefix() throws {
        let f = YeastarFixture()
        var account = f.account()
        account.endpoint = "http://127.0.0.1:8080/yeastar/"
        let client = try Yeastar.makeClient(account, f.context())
        XCTAssertEqual(client.api.tokenURL.absoluteString, "http://127.0.0.1:8080/yeastar/auth/openapi/v1/oauth/token")
    }
}
