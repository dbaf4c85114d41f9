import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceAlibabaCloud
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport

/// The Alibaba Cloud provider over real loopback sockets, through the
/// production `SocketTransport`, against the simulators served by the real
/// `HTTPServer`: every field, the uin learned once, STS tokens, each error
/// class, the refresh of a rejected token, secrets never in errors or logs.
final class AlibabaCloudClientTests: XCTestCase {
    typealias World = AlibabaLiveWorld

    // MARK: Success

    func testEveryFieldWithSeparatorsAndANegativeAmountAndTheCurrencyOverLoopback() async throws {
        let world = try World(self)
        let reading = try await world.client(world.account()).fetchBalance()

        XCTAssertEqual(reading.available, -1234.56)
        XCTAssertEqual(reading.currency, "USD")
        XCTAssertEqual(reading.uin, World.uid)
        XCTAssertEqual(reading.fields, [
            FieldSample(AlibabaMetrics.availableAmount, -1234.56), FieldSample(AlibabaMetrics.availableCashAmount, 12_345_678.90),
            FieldSample(AlibabaMetrics.creditAmount, 5000), FieldSample(AlibabaMetrics.mybankCreditAmount, 0),
            FieldSample(AlibabaMetrics.quotaLimit, 10_000.01),
        ])
        let sent = try XCTUnwrap(world.gateway.requests.first)
        XCTAssertEqual(sent.headers.filter { $0.name.lowercased() == "host" }.map(\.value), ["127.0.0.1:\(world.gatewayPort)"])
        XCTAssertEqual(sent.headers["User-Agent"], "balance_exporter/live-test")
        XCTAssertNil(sent.headers["x-acs-security-token"], "permanent keys send no token")
    }

    func testAbsentAndNullFieldsAreAbsentSeries() async throws {
        let world = try World(self)
        world.gateway.setAccount(World.uid, AlibabaSimulatorAccount(availableAmount: "10.00", creditAmount: "1.00", currency: "CNY",
                                                                    nullFields: ["CreditAmount", "QuotaLimit"]))
        let reading = try await world.client(world.account()).fetchBalance()
        XCTAssertEqual(reading.fields, [FieldSample(AlibabaMetrics.availableAmount, 10)])
    }

    func testTheUinIsLearnedOncePerCredentialAndNeverWhenConfigured() async throws {
        let world = try World(self)
        let client = try world.client(world.account())
        for _ in 0..<3 {
            let reading = try await client.fetchBalance()
            XCTAssertEqual(reading.uin, World.uid)
        }
        XCTAssertEqual(world.actions(), ["QueryAccountBalance", "GetCallerIdentity", "QueryAccountBalance", "QueryAccountBalance"])

        let pinned = try World(self)
        let configured = try pinned.client(pinned.account(uin: "42"))
        for _ in 0..<2 {
            let reading = try await configured.fetchBalance()
            XCTAssertNil(reading.uin, "the engine uses the configured uin")
        }
        XCTAssertEqual(pinned.actions(), ["QueryAccountBalance", "QueryAccountBalance"], "no identity call with a configured uin")
    }

    func testAFailedIdentityCallLeavesTheUinToTheAccountNameAndIsTriedAgain() async throws {
        let world = try World(self)
        let logs = LogCapture()
        let client = try world.client(world.account(), logger: logs.logger(clock: world.clock))
        world.gateway.enqueueFaults([.httpStatus(503)], action: "GetCallerIdentity")
        let first = try await client.fetchBalance()
        XCTAssertNil(first.uin)
        XCTAssertEqual(first.available, -1234.56)
        XCTAssertTrue(logs.all.contains { $0.contains("GetCallerIdentity failed") && $0.contains("reason=http_status") }, "\(logs.all)")
        let second = try await client.fetchBalance()
        XCTAssertEqual(second.uin, World.uid)
        XCTAssertEqual(world.actions().filter { $0 == "GetCallerIdentity" }.count, 2)
    }

    // MARK: STS tokens

    func testAConfiguredSecurityTokenIsSentAndSigned() async throws {
        let world = try World(self)
        world.gateway.addTemporaryKey(id: "STS.configured1", secret: "sts-configured-secret", token: "CAIS+configured/token==",
                                      expiresAt: world.clock.now() + 3600, account: World.uid)
        let reading = try await world.client(world.account([
            "access_key_id": .string("STS.configured1"), "access_key_secret": .string("sts-configured-secret"),
            "security_token": .string("CAIS+configured/token=="),
        ])).fetchBalance()
        XCTAssertEqual(reading.uin, World.uid)
        let sent = try XCTUnwrap(world.gateway.requests.first)
        XCTAssertEqual(sent.headers["x-acs-security-token"], "CAIS+configured/token==")
        XCTAssertEqual(sent.headers["x-acs-accesskey-id"], "STS.configured1")
    }

    func testRoleArnAssumesTheRoleOnceAndReadsTheRolesAccount() async throws {
        let world = try World(self)
        let client = try world.client(world.account(["role_arn": .string(World.roleArn), "role_duration": .duration(1800)]))
        let reading = try await client.fetchBalance()
        _ = try await client.fetchBalance()

        XCTAssertEqual(reading.available, 77.7)
        XCTAssertEqual(reading.uin, World.roleAccount, "the uin is the assumed role's main account")
        XCTAssertEqual(world.gateway.issuedCount, 1, "the role's credentials are cached across fetches")
        XCTAssertEqual(world.actions(), ["AssumeRole", "QueryAccountBalance", "GetCallerIdentity", "QueryAccountBalance"])
        let assume = world.gateway.requests[0]
        XCTAssertTrue(assume.query?.contains("DurationSeconds=1800") == true, assume.query ?? "")
        XCTAssertTrue(assume.query?.contains("RoleSessionName=balance-exporter") == true, assume.query ?? "")
        XCTAssertEqual(world.gateway.requests[1].headers["x-acs-security-token"], "CAIS+sim/token1==")

        // 15 minutes before Expiration they are renewed.
        world.clock.advance(by: 1800 - 900)
        _ = try await client.fetchBalance()
        XCTAssertEqual(world.gateway.issuedCount, 2)
        XCTAssertEqual(world.actions().suffix(3), ["AssumeRole", "QueryAccountBalance", "GetCallerIdentity"],
                       "new credentials: their identity is asked once")
    }

    func testAnExpiredTokenIsRefreshedOnceAndRetriedOnce() async throws {
        let world = try World(self)
        let logs = LogCapture()
        let client = try world.client(world.account(["role_arn": .string(World.roleArn)]), logger: logs.logger(clock: world.clock))
        _ = try await client.fetchBalance()
        world.gateway.enqueueFaults([.error(code: "InvalidSecurityToken.Expired", message: "Specified SecurityToken is expired.", status: 400)])
        let reading = try await client.fetchBalance()
        XCTAssertEqual(reading.available, 77.7)
        XCTAssertEqual(world.gateway.issuedCount, 2, "one refresh")
        XCTAssertTrue(logs.all.contains { $0.contains("renewing them and retrying once") }, "\(logs.all)")

        // Refused again after the refresh: an auth failure, not a loop.
        let fault = AlibabaSimulatorFault.error(code: "InvalidSecurityToken.Expired", message: "expired", status: 400)
        world.gateway.enqueueFaults([fault, fault, fault])
        let before = world.gateway.requestCount
        let error = await client.liveFailure()
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(error?.code, "InvalidSecurityToken.Expired")
        XCTAssertEqual(world.gateway.requestCount - before, 3, "balance, AssumeRole, balance: exactly one retry")
    }

    func testAConfiguredTokenRejectedIsNotRetried() async throws {
        let world = try World(self)
        world.gateway.addTemporaryKey(id: "STS.old", secret: "old-secret", token: "old-token", expiresAt: world.clock.now() - 1,
                                      account: World.uid)
        let client = try world.client(world.account(["access_key_id": .string("STS.old"), "access_key_secret": .string("old-secret"),
                                                     "security_token": .string("old-token")]))
        let error = await client.liveFailure()
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(error?.code, "InvalidSecurityToken.Expired")
        XCTAssertEqual(world.gateway.requestCount, 1, "a configured token cannot be refreshed")
    }

    // MARK: Errors

    func testEveryErrorClassOverLoopback() async throws {
        let world = try World(self)
        let client = try world.client(world.account())
        let cases: [(AlibabaSimulatorFault, FailureReason, String?)] = [
            (.error(code: "SignatureDoesNotMatch", message: "bad signature", status: 400), .auth, "SignatureDoesNotMatch"),
            (.error(code: "InvalidAccessKeyId.NotFound", message: "not found", status: 404), .auth, "InvalidAccessKeyId.NotFound"),
            (.error(code: "InvalidAccessKeyId.Inactive", message: "disabled", status: 400), .auth, "InvalidAccessKeyId.Inactive"),
            (.error(code: "NoPermission", message: "no", status: 400), .permission, "NoPermission"),
            (.error(code: "Forbidden.RAM", message: "no", status: 403), .permission, "Forbidden.RAM"),
            (.error(code: "NotAuthorized", message: "no", status: 400), .permission, "NotAuthorized"),
            (.throttled(retryAfterMilliseconds: nil), .throttled, "Throttling.User"),
            (.error(code: "Throttling.Api", message: "slow", status: 400), .throttled, "Throttling.Api"),
            (.error(code: "InvalidTimeStamp.Expired", message: "expired", status: 400), .clock, "InvalidTimeStamp.Expired"),
            (.error(code: "NotApplicable", message: "This API is not applicable for caller.", status: 400), .upstream_error, "NotApplicable"),
            (.error(code: "InternalError", message: "unknown", status: 400), .upstream_error, "InternalError"),
            (.error(code: "UndefinedError", message: "unknown", status: 500), .upstream_error, "UndefinedError"),
            (.httpStatus(502), .http_status, nil),
            (.body(status: 503, json: ""), .http_status, nil),
            (.garbage, .bad_response, nil),
            (.truncatedJSON, .bad_response, nil),
            (.body(status: 200, json: #"{"Success":false,"RequestId":"r"}"#), .bad_response, nil),
            (.body(status: 200, json: #"{"Code":"200","Success":true,"Data":{"Currency":"CNY"}}"#), .bad_response, nil),
            (.body(status: 200, json: #"{"Code":"200","Success":true,"Data":{"AvailableAmount":"12,34x"}}"#), .bad_response, nil),
        ]
        for (fault, reason, code) in cases {
            world.gateway.enqueueFaults([fault])
            let error = await client.liveFailure()
            XCTAssertEqual(error?.reason, reason, "\(fault)")
            XCTAssertEqual(error?.code, code, "\(fault)")
        }
        let reading = try await client.fetchBalance()
        XCTAssertEqual(reading.available, -1234.56, "faults are consumed one per request")
    }

    func testRetryAfterOfThrottlingReachesTheEngine() async throws {
        let world = try World(self)
        let client = try world.client(world.account())
        world.gateway.enqueueFaults([.throttled(retryAfterMilliseconds: 2500), .tooManyRequests(retryAfter: "7")])
        let throttled = await client.liveFailure()
        XCTAssertEqual(throttled?.reason, .throttled)
        XCTAssertEqual(throttled?.retryAfter, 2.5, "x-acs-retry-after is in milliseconds")
        let tooMany = await client.liveFailure()
        XCTAssertEqual(tooMany?.reason, .throttled)
        XCTAssertEqual(tooMany?.retryAfter, 7)
    }

    func testTheSimulatorsOwnChecksAreClassified() async throws {
        let world = try World(self)
        let wrongSecret = await (try world.client(world.account(["access_key_secret": .string("not-the-secret")]))).liveFailure()
        XCTAssertEqual(wrongSecret?.reason, .auth)
        XCTAssertEqual(wrongSecret?.code, "SignatureDoesNotMatch")
        XCTAssertNotNil(wrongSecret?.requestID)

        let context = ProviderContext(transport: SocketTransport(), clock: TestClock(now: world.clock.now() + 1200), logger: .discard,
                                      environment: [:], userAgent: "ua")
        let skewed = await (try AlibabaCloud.makeClient(account: world.account(), context: context)).liveFailure()
        XCTAssertEqual(skewed?.reason, .clock, "a host clock 20 minutes off")
        XCTAssertEqual(skewed?.message.contains("check this host's clock"), true, skewed?.message ?? "")

        world.gateway.setBalancePermission(keyID: World.keyID, false)
        let denied = await (try world.client(world.account())).liveFailure()
        XCTAssertEqual(denied?.reason, .permission)
        XCTAssertEqual(denied?.message.contains("bss:DescribeAcccount"), true, denied?.message ?? "")

        world.gateway.setKeyActive(World.keyID, false)
        let disabled = await (try world.client(world.account())).liveFailure()
        XCTAssertEqual(disabled?.code, "InvalidAccessKeyId.Inactive")
        XCTAssertEqual(disabled?.reason, .auth)
    }

    func testAKeyOfTheOtherSiteIsNotApplicableAndTheLogNamesTheOtherEndpoint() async throws {
        let world = try World(self)
        world.gateway.setAccount(World.uid, AlibabaSimulatorAccount(availableAmount: "1.00", site: .international))
        let logs = LogCapture()
        let error = await (try world.client(world.account(), logger: logs.logger(clock: world.clock))).liveFailure()
        XCTAssertEqual(error?.reason, .upstream_error)
        XCTAssertEqual(error?.code, "NotApplicable")
        XCTAssertEqual(error?.message.contains(AlibabaCloud.internationalEndpoint), true, error?.message ?? "")
        let warning = try XCTUnwrap(logs.all.first { $0.contains("NotApplicable") }, "\(logs.all)")
        XCTAssertTrue(warning.contains("level=warn") && warning.contains("try_endpoint=\(AlibabaCloud.chinaEndpoint)")
                      && warning.contains("account=ali-live"), warning)
    }

    func testConnectionRefusedNamesTheHostAndPortOnly() async throws {
        let world = try World(self)
        let port = try liveClosedPort()
        let error = await (try world.client(world.account(endpoint: "http://127.0.0.1:\(port)/some/path"))).liveFailure()
        XCTAssertEqual(error?.reason, .network)
        XCTAssertEqual(error?.message, "QueryAccountBalance to 127.0.0.1:\(port) failed: network error: connection refused")
    }

    // MARK: Secrets

    func testSecretsAndTokensNeverReachErrorsOrLogs() async throws {
        let world = try World(self)
        let logs = LogCapture()
        let token = "CAIS+echoed/token=="
        world.gateway.addTemporaryKey(id: "STS.echo", secret: "echo-SECRET-1", token: token, expiresAt: world.clock.now() + 3600,
                                      account: World.uid)
        let client = try world.client(world.account(["access_key_id": .string("STS.echo"), "access_key_secret": .string("echo-SECRET-1"),
                                                     "security_token": .string(token)]),
                                      logger: logs.logger(clock: world.clock))
        // An upstream that quotes back what it was sent, in every field it controls.
        let echo = #"{"Code":"X\#(token)","Message":"secret echo-SECRET-1 token \#(token)","RequestId":"\#(token)"}"#
        world.gateway.enqueueFaults([.body(status: 400, json: echo)])
        world.gateway.enqueueFaults([.body(status: 400, json: echo)], action: "GetCallerIdentity")
        let failure = await client.liveFailure()
        let error = try XCTUnwrap(failure)
        _ = try await client.fetchBalance()
        let texts = [error.description] + logs.all
        for text in texts {
            XCTAssertFalse(text.contains("echo-SECRET-1"), text)
            XCTAssertFalse(text.contains(token), text)
        }
        XCTAssertTrue(error.message.contains("<redacted>"), error.message)
        XCTAssertTrue(logs.all.contains { $0.contains("GetCallerIdentity failed") && $0.contains("<redacted>") }, "\(logs.all)")
    }
}
