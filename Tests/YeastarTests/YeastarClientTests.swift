import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport
@testable import BalanceYeastar

/// The client against the simulator: token lifecycle, retries, readings.
final class YeastarClientTests: XCTestCase {
    func testFirstFetchIsOneGrantAndOneBalanceCall() async throws {
        let f = YeastarFixture()
        let reading = try await f.makeClient().fetchBalance()

        XCTAssertEqual(reading, BalanceReading(uin: "987654321", available: 675.24,
                                               fields: [FieldSample(YeastarMetrics.accountBalance, 675.24)]))
        var expected = YeastarSimulator.Counters()
        expected.grants = 1
        expected.balanceCalls = 1
        XCTAssertEqual(f.simulator.counters, expected)
    }

    func testRequestsCarryUserAgentFormBodyAndBearerToken() async throws {
        let f = YeastarFixture()
        _ = try await f.makeClient().fetchBalance()

        let grant = try XCTUnwrap(f.transport.exchanges.first?.request)
        XCTAssertEqual(grant.method, "POST")
        XCTAssertEqual(f.transport.exchanges.first?.url.absoluteString, "http://127.0.0.1:18443/auth/openapi/v1/oauth/token")
        XCTAssertEqual(String(decoding: grant.body, as: UTF8.self),
                       "client_id=partner-client-1&client_secret=s3cr%2Bt%2F%3D%26x%20y%25Z&grant_type=pp_credentials")
        XCTAssertTrue(grant.headers.contains { $0.name == "Content-Type" && $0.value == "application/x-www-form-urlencoded" })
        XCTAssertTrue(grant.headers.contains { $0.name == "User-Agent" && $0.value == YeastarFixture.userAgent })

        let balance = try XCTUnwrap(f.transport.exchanges.last?.request)
        XCTAssertEqual(balance.method, "GET")
        XCTAssertEqual(f.transport.exchanges.last?.url.absoluteString, "http://127.0.0.1:18443/user/openapi/user/v1/client/account_balance")
        let token = try XCTUnwrap(f.transport.issuedTokens.first)
        XCTAssertTrue(balance.headers.contains { $0.name == "Authorization" && $0.value == "Bearer \(token)" })
    }

    func testSteadyStateIsOneGrantThenRefreshesOnlyAcrossManyLifetimes() async throws {
        let f = YeastarFixture()
        let client = try f.makeClient()
        for step in 0..<40 {
            f.simulator.setBalance(Double(step), clientID: YeastarFixture.clientID)
            let reading = try await client.fetchBalance()
            XCTAssertEqual(reading.available, Double(step))
            f.clock.advance(by: 3) // 120 s in all: twelve 10 s token lifetimes
        }
        let counters = f.simulator.counters
        XCTAssertEqual(counters.grants, 1)
        // A refresh once 8 s (80%) of each 10 s lifetime has passed: every third fetch.
        XCTAssertEqual(counters.refreshes, 13)
        XCTAssertEqual(counters.refusedRefreshes, 0)
        XCTAssertEqual(counters.balanceCalls, 40)
        XCTAssertEqual(counters.rejectedBalanceCalls, 0)
    }

    func testTokenIsKeptUntilEightyPercentOfItsLifetime() async throws {
        for style in [YeastarSimulator.ExpiresInStyle.string, .number, .absent] {
            // `.absent`: the lifetime comes from the JWT's `exp`.
            let f = YeastarFixture(options: .init(tokenLifetime: 10, expiresIn: style))
            let client = try f.makeClient()
            _ = try await client.fetchBalance()
            f.clock.advance(by: 7.9)
            _ = try await client.fetchBalance()
            XCTAssertEqual(f.simulator.counters.refreshes, 0, "\(style)")
            f.clock.advance(by: 0.2)
            _ = try await client.fetchBalance()
            XCTAssertEqual(f.simulator.counters.refreshes, 1, "\(style)")
            XCTAssertEqual(f.simulator.counters.grants, 1, "\(style)")
        }
    }

    func testExpiredAccessTokenIsRefreshedNotGrantedAnew() async throws {
        let f = YeastarFixture()
        let client = try f.makeClient()
        _ = try await client.fetchBalance()
        f.clock.advance(by: 3600) // refresh interval far beyond the token's lifetime
        _ = try await client.fetchBalance()
        XCTAssertEqual(f.simulator.counters.grants, 1)
        XCTAssertEqual(f.simulator.counters.refreshes, 1)
    }

    func testRefreshAlwaysUsesTheNewestRefreshToken() async throws {
        let f = YeastarFixture()
        let client = try f.makeClient()
        _ = try await client.fetchBalance()
        for _ in 0..<3 {
            let newest = try XCTUnwrap(f.transport.latestRefreshToken)
            f.clock.advance(by: 9)
            _ = try await client.fetchBalance()
            let refresh = try XCTUnwrap(f.transport.exchanges.last(where: { $0.url.path == YeastarAPI.tokenPath })?.request)
            XCTAssertEqual(FormCoding.decode(refresh.body), ["grant_type": "refresh_token", "refresh_token": newest])
        }
        XCTAssertEqual(f.simulator.counters.refusedRefreshes, 0)
    }

    func testRefreshTokenUsedElsewhereFallsBackToExactlyOneGrant() async throws {
        let f = YeastarFixture()
        let client = try f.makeClient()
        _ = try await client.fetchBalance()
        // Someone else spends the client's refresh token: the client now holds an old one.
        let stolen = try XCTUnwrap(f.transport.latestRefreshToken)
        let spend = HTTPRequest(method: "POST", target: YeastarAPI.tokenPath,
                                headers: [("User-Agent", "other"), ("Content-Type", "application/x-www-form-urlencoded")],
                                body: Array("grant_type=refresh_token&refresh_token=\(FormCoding.escape(stolen))".utf8))
        XCTAssertEqual(f.simulator.handle(spend).status, 200)

        f.clock.advance(by: 9)
        let reading = try await client.fetchBalance()
        XCTAssertEqual(reading.available, 675.24)
        XCTAssertEqual(f.simulator.counters.refusedRefreshes, 1)
        XCTAssertEqual(f.simulator.counters.grants, 2)

        // And back to refreshes only.
        f.clock.advance(by: 9)
        _ = try await client.fetchBalance()
        XCTAssertEqual(f.simulator.counters.grants, 2)
        XCTAssertEqual(f.simulator.counters.refusedRefreshes, 1)
    }

    func testServerRestartCostsOneRefusedCallOneRefusedRefreshAndOneGrant() async throws {
        let f = YeastarFixture()
        let client = try f.makeClient()
        _ = try await client.fetchBalance()
        f.simulator.restart()
        f.clock.advance(by: 1) // the token is still fresh as far as the client knows

        let reading = try await client.fetchBalance()
        XCTAssertEqual(reading.available, 675.24)
        let counters = f.simulator.counters
        XCTAssertEqual(counters.grants, 2)
        XCTAssertEqual(counters.refreshes, 1)
        XCTAssertEqual(counters.refusedRefreshes, 1)
        XCTAssertEqual(counters.balanceCalls, 3)
        XCTAssertEqual(counters.rejectedBalanceCalls, 1)
    }

    func testForgottenTokensAtRefreshTimeCostOneGrant() async throws {
        let f = YeastarFixture()
        let client = try f.makeClient()
        _ = try await client.fetchBalance()
        f.simulator.forgetAllTokens()
        f.clock.advance(by: 9)
        _ = try await client.fetchBalance()
        XCTAssertEqual(f.simulator.counters.refusedRefreshes, 1)
        XCTAssertEqual(f.simulator.counters.grants, 2)
        XCTAssertEqual(f.simulator.counters.balanceCalls, 2)
    }

    func testRefusedTokenGetsOneNewTokenAndOneRetry() async throws {
        for rejection in [YeastarSimulator.TokenRejection.http401, .codeOnly] {
            let f = YeastarFixture(options: .init(tokenLifetime: 10, tokenRejection: rejection))
            let client = try f.makeClient()
            _ = try await client.fetchBalance()
            f.simulator.inject(.unauthorized, on: .balance)

            let reading = try await client.fetchBalance()
            XCTAssertEqual(reading.available, 675.24, "\(rejection)")
            let counters = f.simulator.counters
            XCTAssertEqual(counters.balanceCalls, 3, "\(rejection)")
            XCTAssertEqual(counters.rejectedBalanceCalls, 1, "\(rejection)")
            XCTAssertEqual(counters.refreshes, 1, "\(rejection)")
            XCTAssertEqual(counters.grants, 1, "\(rejection)")
            // The retry used the new token, not the refused one.
            let authorizations = f.transport.exchanges.filter { $0.url.path == YeastarAPI.balancePath }
                .map { $0.request.headers["Authorization"] }
            XCTAssertNotEqual(authorizations[1], authorizations[2], "\(rejection)")
        }
    }

    func testPersistentlyRefusedTokenFailsAfterExactlyOneRetry() async throws {
        let f = YeastarFixture()
        let client = try f.makeClient()
        _ = try await client.fetchBalance()
        f.simulator.inject(.unauthorized, on: .balance, times: 100)

        let error = await f.failure(client)
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(error?.code, "unauthorized")
        XCTAssertEqual(f.simulator.counters.balanceCalls, 3)
        XCTAssertEqual(f.simulator.counters.refreshes, 1)

        // The next refresh tries once more, again exactly one retry.
        _ = await f.failure(client)
        XCTAssertEqual(f.simulator.counters.balanceCalls, 5)
        f.assertNoSecrets(in: error)
    }

    func testPersistent403IsAPermissionProblem() async throws {
        let f = YeastarFixture()
        let client = try f.makeClient()
        f.simulator.inject(.code("ip_restricted", detail: "client IP not allowed", status: 403, httpStatus: 403),
                           on: .balance, times: 2)
        let error = await f.failure(client)
        XCTAssertEqual(error?.reason, .permission)
        XCTAssertEqual(error?.code, "ip_restricted")
        XCTAssertEqual(f.simulator.counters.balanceCalls, 2)
    }

    func testConcurrentFetchesNeedingATokenShareOneGrant() async throws {
        let gate = YeastarBox<YeastarGatedTransport>()
        let f = YeastarFixture(wrap: { inner in
            let gated = YeastarGatedTransport(inner)
            gate.value = gated
            return gated
        })
        let client = try f.makeClient()
        let gated = try XCTUnwrap(gate.value)

        let fetches = (0..<5).map { _ in Task { try await client.fetchBalance() } }
        while gated.arrivals == 0 { await Task.yield() }
        for _ in 0..<500 { await Task.yield() } // let every fetch reach the token manager
        gated.open()
        for fetch in fetches {
            let reading = try await fetch.value
            XCTAssertEqual(reading.available, 675.24)
        }
        XCTAssertEqual(gated.arrivals, 1)
        XCTAssertEqual(f.simulator.counters.grants, 1)
        XCTAssertEqual(f.simulator.counters.balanceCalls, 5)
    }

    func testFailedRenewalKeepsUsingTheUnexpiredToken() async throws {
        let f = YeastarFixture()
        let client = try f.makeClient()
        _ = try await client.fetchBalance()
        f.clock.advance(by: 8.5) // due for refresh, 1.5 s left
        f.simulator.inject(.httpStatus(503), on: .token, times: 2)

        let reading = try await client.fetchBalance()
        XCTAssertEqual(reading.available, 675.24)
        XCTAssertEqual(f.simulator.counters.refreshes, 1)
        XCTAssertEqual(f.simulator.counters.grants, 2)
        XCTAssertEqual(f.simulator.counters.rejectedBalanceCalls, 0)

        // Past expiry the failure shows.
        f.clock.advance(by: 2)
        f.simulator.inject(.httpStatus(503), on: .token, times: 2)
        let error = await f.failure(client)
        XCTAssertEqual(error?.reason, .http_status)
    }

    func testUinIsTheUserIdOfTheTokensXMSUserClaim() async throws {
        let f = YeastarFixture()
        f.simulator.addClient(id: "big", secret: "big-secret", userID: 9_007_199_254_740_993, balance: 1)
        var account = f.account()
        account.values["client_id"] = .string("big")
        account.values["client_secret"] = .string("big-secret")
        let reading = try await Yeastar.makeClient(account, f.context()).fetchBalance()
        XCTAssertEqual(reading.uin, "9007199254740993")
    }

    func testTokenHeadWithoutTrailingSpaceOrAbsentStillAuthorizes() async throws {
        for head in ["Bearer", nil, ""] as [String?] {
            let f = YeastarFixture(options: .init(tokenLifetime: 10, tokenHead: head))
            let reading = try await f.makeClient().fetchBalance()
            XCTAssertEqual(reading.available, 675.24, "tokenHead \(String(describing: head))")
            XCTAssertEqual(f.simulator.counters.rejectedBalanceCalls, 0)
        }
    }

    func testNegativeAndZeroBalancesAreReported() async throws {
        let f = YeastarFixture(balance: 0)
        let client = try f.makeClient()
        let empty = try await client.fetchBalance()
        XCTAssertEqual(empty.available, 0)
        f.simulator.drain(12.5, clientID: YeastarFixture.clientID)
        let owing = try await client.fetchBalance()
        XCTAssertEqual(owing.available, -12.5)
    }
}
