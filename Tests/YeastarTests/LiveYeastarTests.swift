import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceSimulators
@testable import BalanceYeastar

/// The Yeastar provider over real loopback sockets, through the production
/// `SocketTransport`, against `YeastarSimulator` served by the real
/// `HTTPServer`. Token lifetimes are driven by the test clock the simulator
/// and the client share: no sleeps.
final class LiveYeastarTests: XCTestCase {
    typealias World = LiveYeastarWorld

    func testSteadyStateMakesOneGrantThenOnlyRefreshesWithRotatingTokens() async throws {
        // Tokens live 5 s; the client renews from 80 % (4 s) on.
        let world = try World(self, tokenLifetime: 5)
        let client = try world.client()

        for second in 0...20 {
            let reading = try await client.fetchBalance()
            XCTAssertEqual(reading.uin, String(World.userID), "at \(second) s")
            XCTAssertEqual(reading.available, 321.5, "at \(second) s")
            world.clock.advance(by: 1)
        }

        let counters = world.simulator.counters
        XCTAssertEqual(counters.grants, 1, "one pp_credentials grant, ever")
        XCTAssertEqual(counters.refreshes, 5, "a refresh at 4, 8, 12, 16 and 20 s")
        XCTAssertEqual(counters.refusedRefreshes, 0, "each refresh presented the newest refresh token")
        XCTAssertEqual(counters.rejectedBalanceCalls, 0, "no expired token was ever sent")
        XCTAssertEqual(counters.balanceCalls, 21)
    }

    func testARestartedUpstreamThatForgotEveryTokenCostsExactlyOneNewGrant() async throws {
        let world = try World(self, tokenLifetime: 5)
        let client = try world.client()
        for _ in 0..<3 {
            _ = try await client.fetchBalance()
            world.clock.advance(by: 2)
        }
        let before = world.simulator.counters
        XCTAssertEqual(before.grants, 1)

        // Restarted while the client's token is still fresh: the balance call
        // is refused, the refresh token is unknown, one new grant, one retry.
        world.simulator.restart()
        let reading = try await client.fetchBalance()
        XCTAssertEqual(reading.available, 321.5)
        var after = world.simulator.counters
        XCTAssertEqual(after.grants - before.grants, 1)
        XCTAssertEqual(after.rejectedBalanceCalls - before.rejectedBalanceCalls, 1)

        // Restarted again when the token is due for renewal: the refresh is
        // refused, one new grant, no refused balance call.
        world.clock.advance(by: 4.5)
        let secondBefore = after
        world.simulator.restart()
        _ = try await client.fetchBalance()
        after = world.simulator.counters
        XCTAssertEqual(after.grants - secondBefore.grants, 1)
        XCTAssertEqual(after.refusedRefreshes - secondBefore.refusedRefreshes, 1)
        XCTAssertEqual(after.rejectedBalanceCalls, secondBefore.rejectedBalanceCalls)

        // And steady state resumes: refreshes only.
        for _ in 0..<6 {
            world.clock.advance(by: 2)
            _ = try await client.fetchBalance()
        }
        XCTAssertEqual(world.simulator.counters.grants, after.grants)
        XCTAssertGreaterThan(world.simulator.counters.refreshes, after.refreshes)
    }

    func testUpstreamFaultsMapOntoTheEnginesReasonsAndTheNextFetchRecovers() async throws {
        let world = try World(self)
        let client = try world.client()
        // Token faults first: they are met only while the client holds no token.
        let cases: [(YeastarSimulator.Fault, YeastarSimulator.Endpoint, FailureReason)] = [
            (.httpStatus(502), .token, .http_status),
            (.garbage, .token, .bad_response),
            (.httpStatus(503), .balance, .http_status),
            (.httpStatus(429), .balance, .throttled),
            (.garbage, .balance, .bad_response),
        ]
        for (fault, endpoint, reason) in cases {
            world.simulator.inject(fault, on: endpoint)
            let error = await client.liveFailure()
            XCTAssertEqual(error?.reason, reason, "\(fault) on \(endpoint)")
        }
        let reading = try await client.fetchBalance()
        XCTAssertEqual(reading.available, 321.5)
        let counters = world.simulator.counters
        XCTAssertEqual(counters.grants, 3, "two grants met a fault, the third succeeded")
        XCTAssertEqual(counters.balanceCalls, 4, "no balance call without a token; a failed balance call keeps the token")
        XCTAssertEqual(counters.refreshes, 0)
    }

    func testASlowBalanceEndpointIsATimeoutWithinTheRequestTimeout() async throws {
        let world = try World(self)
        let client = try world.client(timeout: 0.5)
        _ = try await client.fetchBalance()
        world.setSlow([YeastarAPI.balancePath])

        let started = Date()
        let error = await client.liveFailure()
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(error?.reason, .timeout)
        XCTAssertLessThan(elapsed, 2, "request_timeout 0.5 s bounds the wait")
    }

    func testASlowTokenEndpointAtFirstGrantIsATimeout() async throws {
        let world = try World(self)
        world.setSlow([YeastarAPI.tokenPath])
        let client = try world.client(timeout: 0.5)
        let error = await client.liveFailure()
        XCTAssertEqual(error?.reason, .timeout)
        XCTAssertEqual(world.simulator.counters.balanceCalls, 0, "no balance call without a token")
    }

    func testASlowTokenEndpointAtRenewalKeepsUsingTheStillValidToken() async throws {
        let world = try World(self, tokenLifetime: 5)
        let client = try world.client(timeout: 0.3)
        _ = try await client.fetchBalance()
        world.clock.advance(by: 4.5)  // due for renewal, valid until 5 s
        world.setSlow([YeastarAPI.tokenPath])

        let reading = try await client.fetchBalance()

        XCTAssertEqual(reading.available, 321.5, "the held token still works while renewal times out")
        XCTAssertEqual(world.simulator.counters.rejectedBalanceCalls, 0)
    }

    func testARefusedConnectionIsANetworkFailure() async throws {
        let world = try World(self)
        let port = try liveClosedPort()
        let client = try world.client(endpoint: "http://127.0.0.1:\(port)")
        let error = await client.liveFailure()
        XCTAssertEqual(error?.reason, .network)
        XCTAssertEqual(error?.message, "token grant to 127.0.0.1:\(port) failed: network error: connection refused")
    }

    func testA429BalanceAnswerIsThrottlingAndItsRetryAfterArrivesOverTheWire() async throws {
        let world = try World(self)
        let simulator = world.simulator
        let port = try serveOnLoopback { request in
            guard request.path == YeastarAPI.balancePath else { return simulator.handle(request) }
            return .text(429, "Too Many Requests", headers: [("Retry-After", "75")])
        }
        let error = try await world.client(endpoint: "http://127.0.0.1:\(port)").liveFailure()
        XCTAssertEqual(error?.reason, .throttled)
        XCTAssertEqual(error?.retryAfter, 75)
        XCTAssertEqual(simulator.counters.grants, 1, "a throttled balance call is not a token problem")
    }
}
