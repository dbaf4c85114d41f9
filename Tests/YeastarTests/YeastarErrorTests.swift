import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport
@testable import BalanceYeastar

/// Failure reasons an operator sees, and that no credential ever appears in
/// an error or a log line, whatever the upstream sends.
final class YeastarErrorTests: XCTestCase {
    func testWrongClientSecretIsAnAuthFailure() async throws {
        let f = YeastarFixture()
        let client = try f.makeClient(secret: "wrong-secret")
        let error = await f.failure(client)
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(error?.code, "invalid_client")
        XCTAssertEqual(error?.requestID?.hasPrefix("sim-"), true)
        XCTAssertEqual(f.simulator.counters.refusedGrants, 1)
        XCTAssertEqual(f.simulator.counters.balanceCalls, 0)
        f.assertNoSecrets(in: error, tokensIssued: false, secret: "wrong-secret")
    }

    func testTokenEndpointFailures() async throws {
        let cases: [(YeastarSimulator.Fault, FailureReason, String?)] = [
            (.httpStatus(503), .http_status, nil),
            (.httpStatus(500), .http_status, nil),
            (.httpStatus(429), .throttled, nil),
            (.garbage, .bad_response, nil),
            (.code("system_busy", detail: "try again later"), .upstream_error, "system_busy"),
            (.code("client_secret_error", detail: "secret mismatch"), .auth, "client_secret_error"),
            (.code("request_limit_exceeded", status: 429), .throttled, "request_limit_exceeded"),
        ]
        for (fault, reason, code) in cases {
            let f = YeastarFixture()
            f.simulator.inject(fault, on: .token)
            let error = await f.failure(try f.makeClient())
            XCTAssertEqual(error?.reason, reason, "\(fault)")
            XCTAssertEqual(error?.code, code, "\(fault)")
            XCTAssertEqual(f.simulator.counters.balanceCalls, 0, "\(fault)")
            f.assertNoSecrets(in: error, tokensIssued: false)
        }
    }

    func testBalanceEndpointFailures() async throws {
        let cases: [(YeastarSimulator.Fault, FailureReason, String?)] = [
            (.httpStatus(502), .http_status, nil),
            (.garbage, .bad_response, nil),
            (.code("parameter_validation_failed", detail: "bad request"), .upstream_error, "parameter_validation_failed"),
            (.code("account_frozen", detail: "account frozen", status: 200), .upstream_error, "account_frozen"),
            (.code("permission_denied", detail: "no API access", status: 200), .permission, "permission_denied"),
        ]
        for (fault, reason, code) in cases {
            let f = YeastarFixture()
            let client = try f.makeClient()
            _ = try await client.fetchBalance()
            f.simulator.inject(fault, on: .balance)
            let error = await f.failure(client)
            XCTAssertEqual(error?.reason, reason, "\(fault)")
            XCTAssertEqual(error?.code, code, "\(fault)")
            // Not a token problem: no renewal, no retry.
            XCTAssertEqual(f.simulator.counters.balanceCalls, 2, "\(fault)")
            XCTAssertEqual(f.simulator.counters.refreshes, 0, "\(fault)")
            f.assertNoSecrets(in: error)
        }
    }

    func testNonSuccessCodeMessageQuotesTheDetail() async throws {
        let f = YeastarFixture()
        let client = try f.makeClient()
        f.simulator.inject(.code("account_frozen", detail: "account is frozen\nby finance"), on: .balance)
        let error = await f.failure(client)
        XCTAssertEqual(error?.message, "balance request refused: code account_frozen: account is frozenby finance")
    }

    func testTransportFailuresKeepTheirReason() async throws {
        for (transportError, reason) in [(TransportError.timeout, FailureReason.timeout),
                                         (.network("connection refused"), .network)] {
            let f = YeastarFixture()
            let error = await f.failure(try f.makeClient(transport: YeastarFailingTransport(error: transportError)))
            XCTAssertEqual(error?.reason, reason)
            XCTAssertEqual(error?.message, "token grant to 127.0.0.1:18443 failed: \(transportError.description)",
                           "names the upstream by host and port")
        }
    }

    func testSuccessWithoutANumericBalanceIsABadResponse() async throws {
        let f = YeastarFixture()
        let client = try f.makeClient()
        f.simulator.inject(.code("success", detail: "", status: 200), on: .balance) // result null
        let error = await f.failure(client)
        XCTAssertEqual(error?.reason, .bad_response)
    }

    // MARK: Secrets

    func testEchoedClientSecretIsScrubbedFromTheGrantError() async throws {
        let f = YeastarFixture()
        f.simulator.inject(.echoCredentials(code: "parameter_validation_failed"), on: .token)
        let error = await f.failure(try f.makeClient())
        XCTAssertEqual(error?.code, "parameter_validation_failed")
        XCTAssertEqual(error?.message.contains(UpstreamText.placeholder), true, error?.message ?? "")
        XCTAssertEqual(error?.message.contains("client_id=partner-client-1"), true, "non-secret context is kept")
        f.assertNoSecrets(in: error, tokensIssued: false)
    }

    func testEchoedRefreshTokenAndSecretAreScrubbedWhenRefreshAndGrantFail() async throws {
        let f = YeastarFixture()
        let client = try f.makeClient()
        _ = try await client.fetchBalance()
        f.clock.advance(by: 20) // expired: no current token to fall back on
        f.simulator.inject(.echoCredentials(code: "bad_request"), on: .token, times: 2)
        let error = await f.failure(client)
        XCTAssertEqual(f.simulator.counters.refreshes, 1)
        XCTAssertEqual(f.simulator.counters.grants, 2)
        XCTAssertEqual(error?.message.hasPrefix("token refresh refused"), true, error?.message ?? "")
        XCTAssertEqual(error?.message.contains("then token grant refused"), true, error?.message ?? "")
        f.assertNoSecrets(in: error)
    }

    func testEchoedAccessTokenIsScrubbedFromTheBalanceError() async throws {
        let f = YeastarFixture()
        let client = try f.makeClient()
        f.simulator.inject(.echoCredentials(code: "parameter_validation_failed"), on: .balance)
        let error = await f.failure(client)
        XCTAssertEqual(error?.message.contains("authorization=Bearer \(UpstreamText.placeholder)"), true, error?.message ?? "")
        f.assertNoSecrets(in: error)
    }

    func testEchoedTokenIsScrubbedWhenTheRefusedTokenIsRefusedAgain() async throws {
        let f = YeastarFixture()
        let client = try f.makeClient()
        _ = try await client.fetchBalance()
        f.simulator.inject(.echoCredentials(code: "token_expired"), on: .balance, times: 2)
        let error = await f.failure(client)
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(f.simulator.counters.balanceCalls, 3)
        f.assertNoSecrets(in: error)
    }

    func testASecretAtTheLengthCapIsNotHalfLeaked() async throws {
        let f = YeastarFixture()
        let detail = String(repeating: "x", count: 555) + YeastarFixture.clientSecret // crosses the cap
        f.simulator.inject(.code("bad_request", detail: detail), on: .token)
        let failure = await f.failure(try f.makeClient())
        let error = try XCTUnwrap(failure)
        XCTAssertLessThanOrEqual(error.message.count, UpstreamText.maxMessage + 1)
        XCTAssertFalse(error.message.contains(String(YeastarFixture.clientSecret.prefix(5))), error.message)
    }

    func testCredentialsNeverReachTheLogsOverAFullLifecycle() async throws {
        let f = YeastarFixture()
        let client = try f.makeClient()
        _ = try await client.fetchBalance()
        f.simulator.restart()
        _ = try await client.fetchBalance()
        f.clock.advance(by: 9)
        f.simulator.inject(.echoCredentials(code: "bad_request"), on: .token)
        _ = try await client.fetchBalance() // refresh fails loudly, then a grant
        f.simulator.inject(.unauthorized, on: .balance, times: 2)
        let error = await f.failure(client)
        XCTAssertFalse(f.logs.all.isEmpty)
        f.assertNoSecrets(in: error)
    }

    func testScrubberRemovesSecretsTokensAndTheirSegments() {
        let secrets = YeastarSecrets(clientSecret: "p@ss word")
        let token = YeastarToken(token: "aaaa.bbbbbbbbbbbbbbbbbbbb.cccccccccccccccccccc", tokenHead: nil, refreshToken: "refresh-123",
                                 obtainedAt: 0, expiresAt: 10, refreshAt: 8, userID: nil)
        secrets.remember(token)
        XCTAssertEqual(secrets.scrub("x p@ss word p%40ss%20word refresh-123 sig=cccccccccccccccccccc end"),
                       "x <redacted> <redacted> <redacted> sig=<redacted> end")
        let error = secrets.scrub(ProviderError(.auth, code: "refresh-123", message: "p@ss word", requestID: "p@ss word"))
        XCTAssertEqual(error, ProviderError(.auth, code: "<redacted>", message: "<redacted>", requestID: "<redacted>"))
    }

    // MARK: Throttling and unusable tokens

    func testA429WithRetryAfterIsThrottlingAndCarriesTheDelay() async throws {
        for endpoint in [YeastarAPI.tokenPath, YeastarAPI.balancePath] {
            let f = YeastarFixture(wrap: { inner in
                YeastarRewritingTransport(inner) { url, response in
                    guard url.path == endpoint else { return response }
                    return HTTPResponse(status: 429, headers: [("Retry-After", "45")], body: Array("slow down".utf8))
                }
            })
            let error = await f.failure(try f.makeClient())
            XCTAssertEqual(error?.reason, .throttled, endpoint)
            XCTAssertEqual(error?.retryAfter, 45, endpoint)
        }
    }

    func testATokenWithControlCharactersIsRefusedAtOnceAndNeverUsed() async throws {
        let injected = YeastarFixture(wrap: { inner in
            YeastarRewritingTransport(inner) { url, response in
                guard url.path == YeastarAPI.tokenPath, case .object(var root)? = JSONValue.parse(response.body),
                      case .object(var result)? = root["result"], case .string(let token)? = result["token"] else { return response }
                result["token"] = .string(token + "\r\nX-Injected: 1")
                root["result"] = .object(result)
                return HTTPResponse(status: response.status, headers: response.headers, body: Array(JSONValue.object(root).text.utf8))
            }
        })
        let head = YeastarFixture(options: .init(tokenLifetime: 10, tokenHead: "Bearer\r\nX-Injected: 1 "))
        for f in [injected, head] {
            let client = try f.makeClient()
            for attempt in 1...2 {
                let error = await f.failure(client)
                XCTAssertEqual(error?.reason, .bad_response)
                XCTAssertEqual(error?.message, "token grant failed: result.token or result.tokenHead holds control characters")
                XCTAssertEqual(f.simulator.counters.grants, attempt, "the token is not kept: the next fetch asks again")
                XCTAssertEqual(f.simulator.counters.balanceCalls, 0, "never sent")
            }
        }
    }
}

/// Hands every answer of `inner` through `rewrite` (request, response) first.
struct YeastarRewritingTransport: HTTPTransport {
    let inner: any HTTPTransport
    let rewrite: @Sendable (HTTPURL, HTTPResponse) -> HTTPResponse
    init(_ inner: any HTTPTransport, _ rewrite: @escaping @Sendable (HTTPURL, HTTPResponse) -> HTTPResponse) {
        self.inner = inner
        self.rewrite = rewrite
    }
    func send(_ request: HTTPRequest, to url: HTTPURL, timeout: Double) async throws(TransportError) -> HTTPResponse {
        rewrite(url, try await inner.send(request, to: url, timeout: timeout))
    }
}
