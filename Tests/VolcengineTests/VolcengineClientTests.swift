import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceSimulators
@testable import BalanceSupport
@testable import BalanceVolcengine

/// The Volcengine client as the exporter builds it (`Volcengine.schema.make`),
/// over real loopback sockets through the production `SocketTransport`,
/// against the simulator served by the real `HTTPServer`, which re-checks
/// every signature: every field, account IDs, the credential chain, STS,
/// each error class, and no secret in any error or log line.
final class VolcengineClientTests: XCTestCase {
    static let accessKey = "AKLTclientPermanent"
    static let secretKey = "client-permanent-SECRET-7f3a"
    static let roleTrn = "trn:iam::3000000001:role/reader"

    private let clock = TestClock(now: 1_800_000_000)
    private var simulator: VolcengineSimulator!
    private var port = 0
    private var endpoint: String { "http://127.0.0.1:\(port)" }

    override func setUpWithError() throws {
        simulator = VolcengineSimulator(clock: clock)
        simulator.setAccount("main", .init(accountID: .number(3_000_000_001), availableBalance: "1,234,567.89",
                                           cashBalance: "1,234,568.00", creditLimit: "10000.00", arrearsBalance: "0.00",
                                           freezeAmount: "0.11", currency: "CNY"))
        simulator.setAccount("customer", .init(accountID: .string("4294967296123"), availableBalance: "-3.50", cashBalance: .null,
                                               arrearsBalance: "3.50"))
        simulator.addKey(accessKeyId: Self.accessKey, secretAccessKey: Self.secretKey, account: "main")
        simulator.addRole(trn: Self.roleTrn, account: "customer")
        port = try serveOnLoopback(simulator)
    }

    /// An account on the simulator with the permanent keys unless `values` says otherwise; nil values remove a key.
    private func account(_ values: [String: ConfigValue?] = [:], endpoint: String? = nil, uin: String? = nil) -> AccountConfig {
        var all: [String: ConfigValue] = ["access_key": .string(Self.accessKey), "secret_key": .string(Self.secretKey),
                                          "sts_endpoint": .string(self.endpoint), "request_timeout": .duration(2)]
        for (key, value) in values { all[key] = value }
        return AccountConfig(name: "volc-live", provider: "volcengine", endpoint: endpoint ?? self.endpoint, uin: uin,
                             refreshInterval: 60, values: all)
    }

    private func client(_ account: AccountConfig, environment: [String: String] = [:], logger: Logger = .discard) throws -> any BalanceProvider {
        let context = ProviderContext(transport: SocketTransport(), clock: clock, logger: logger, environment: environment,
                                      userAgent: "balance_exporter/live-test")
        return try Volcengine.schema.make(account, context)
    }

    // MARK: Success

    func testEveryFieldWithSeparatorsTheAccountIDAndTheCurrency() async throws {
        let reading = try await client(account()).fetchBalance()

        XCTAssertEqual(reading, BalanceReading(uin: "3000000001", available: 1234567.89, fields: [
            FieldSample(VolcengineMetrics.availableBalance, 1234567.89), FieldSample(VolcengineMetrics.cashBalance, 1234568),
            FieldSample(VolcengineMetrics.creditLimit, 10000), FieldSample(VolcengineMetrics.arrearsBalance, 0),
            FieldSample(VolcengineMetrics.freezeAmount, 0.11),
        ], currency: "CNY"))
        let received = try XCTUnwrap(simulator.requests.last)
        XCTAssertEqual(received.method, "POST")
        XCTAssertEqual(received.target, "/?Action=QueryBalanceAcct&Version=2022-01-01")
        XCTAssertEqual(received.headers["Host"], "127.0.0.1:\(port)")
        XCTAssertEqual(received.headers["User-Agent"], "balance_exporter/live-test")
        XCTAssertNil(received.headers["X-Security-Token"], "permanent keys send no token")
        XCTAssertEqual(received.headers["Authorization"]?.contains("/cn-beijing/billing/request"), true)
    }

    func testANegativeBalanceAnAccountIDAsAStringAbove2To32AndAbsentFields() async throws {
        simulator.addKey(accessKeyId: "AKLTcustomer", secretAccessKey: "customer-secret", account: "customer")
        let reading = try await client(account(["access_key": .string("AKLTcustomer"), "secret_key": .string("customer-secret"),
                                                "region": .string("ap-singapore-1")])).fetchBalance()
        XCTAssertEqual(reading, BalanceReading(uin: "4294967296123", available: -3.5, fields: [
            FieldSample(VolcengineMetrics.availableBalance, -3.5), FieldSample(VolcengineMetrics.arrearsBalance, 3.5),
        ]), "CashBalance null, CreditLimit and FreezeAmount absent: no series; no Currency: none")
        XCTAssertEqual(simulator.requests.last?.headers["Authorization"]?.contains("/ap-singapore-1/billing/request"), true)
    }

    func testWithoutAnAccountIDTheLabelIsLeftToTheEngine() async throws {
        simulator.updateAccount("main") { $0.accountID = nil }
        let reading = try await client(account(uin: "pinned")).fetchBalance()
        XCTAssertNil(reading.uin)
        XCTAssertEqual(reading.available, 1234567.89)
    }

    func testAConfiguredSessionTokenIsSentAndSigned() async throws {
        simulator.addTemporaryKey(accessKeyId: "AKTPconfigured", secretAccessKey: "tmp-secret", sessionToken: "configured-token",
                                  expiresAt: clock.now() + 3600, account: "main")
        let reading = try await client(account(["access_key": .string("AKTPconfigured"), "secret_key": .string("tmp-secret"),
                                                "session_token": .string("configured-token")])).fetchBalance()
        XCTAssertEqual(reading.uin, "3000000001")
        XCTAssertEqual(simulator.requests.last?.headers["X-Security-Token"], "configured-token")
    }

    // MARK: Credentials chain

    func testTheAccountsKeysWinOverTheEnvironment() async throws {
        let environment = ["VOLCENGINE_ACCESS_KEY": "AKLTunknown", "VOLCENGINE_SECRET_KEY": "unknown"]
        _ = try await client(account(), environment: environment).fetchBalance()
        XCTAssertEqual(simulator.requests.last?.headers["Authorization"]?.contains("Credential=\(Self.accessKey)/"), true)
    }

    func testWithoutKeysTheCurrentSDKsVariablesWinOverTheOlderOnes() async throws {
        simulator.addKey(accessKeyId: "AKLTolder", secretAccessKey: "older-secret", account: "customer")
        let keyless = account(["access_key": nil, "secret_key": nil])
        let both = ["VOLCENGINE_ACCESS_KEY": Self.accessKey, "VOLCENGINE_SECRET_KEY": Self.secretKey,
                    "VOLC_ACCESSKEY": "AKLTolder", "VOLC_SECRETKEY": "older-secret"]
        let reading = try await client(keyless, environment: both).fetchBalance()
        XCTAssertEqual(reading.uin, "3000000001")

        let older = try await client(keyless, environment: ["VOLC_ACCESSKEY": "AKLTolder", "VOLC_SECRETKEY": "older-secret"]).fetchBalance()
        XCTAssertEqual(older.uin, "4294967296123")
    }

    func testWithoutAnyCredentialsItIsAnAuthFailureNamingWhereItLooked() async throws {
        let requests = simulator.requestCount
        let error = try await client(account(["access_key": nil, "secret_key": nil])).liveFailure()
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(error?.message.contains("VOLCENGINE_ACCESS_KEY/VOLCENGINE_SECRET_KEY"), true, error?.message ?? "")
        XCTAssertEqual(simulator.requestCount, requests, "nothing is sent unsigned")
    }

    // MARK: STS AssumeRole

    func testARoleIsAssumedWithTheEnvironmentsKeysOnceAndItsTemporaryKeysAreCached() async throws {
        let environment = ["VOLCENGINE_ACCESS_KEY": Self.accessKey, "VOLCENGINE_SECRET_KEY": Self.secretKey]
        let client = try client(account(["access_key": nil, "secret_key": nil, "role_trn": .string(Self.roleTrn),
                                         "role_duration": .duration(900)]), environment: environment)

        let reading = try await client.fetchBalance()
        _ = try await client.fetchBalance()
        clock.advance(by: 900 - VolcengineCredentials.refreshMargin - 1)
        _ = try await client.fetchBalance()

        XCTAssertEqual(reading.uin, "4294967296123", "the role's account")
        XCTAssertEqual(simulator.issuedCount, 1, "cached until shortly before ExpiredTime")
        let assume = try XCTUnwrap(simulator.requests.first)
        XCTAssertEqual(assume.method, "GET")
        XCTAssertEqual(assume.path, "/")
        XCTAssertEqual(VolcengineSimulatorSignature.parameters(assume.query)["RoleTrn"], Self.roleTrn)
        XCTAssertEqual(VolcengineSimulatorSignature.parameters(assume.query)["DurationSeconds"], "900")
        XCTAssertEqual(VolcengineSimulatorSignature.parameters(assume.query)["RoleSessionName"], "balance-exporter")
        XCTAssertEqual(assume.headers["Authorization"]?.contains("Credential=\(Self.accessKey)/"), true)
        XCTAssertEqual(assume.headers["Authorization"]?.contains("/sts/request"), true)
        XCTAssertEqual(simulator.requests.last?.headers["X-Security-Token"], "STSsim-token-1")

        clock.advance(by: 2)
        _ = try await client.fetchBalance()
        XCTAssertEqual(simulator.issuedCount, 2, "renewed within the refresh margin")
        XCTAssertEqual(simulator.requests.last?.headers["X-Security-Token"], "STSsim-token-2")
    }

    func testConcurrentFetchesShareOneAssumeRole() async throws {
        let client = try client(account(["role_trn": .string(Self.roleTrn)]))
        try await withThrowingTaskGroup(of: BalanceReading.self) { group in
            for _ in 0..<8 { group.addTask { try await client.fetchBalance() } }
            for try await reading in group { XCTAssertEqual(reading.uin, "4294967296123") }
        }
        XCTAssertEqual(simulator.issuedCount, 1)
    }

    func testARevokedTemporaryTokenIsRenewedAndRetriedExactlyOnce() async throws {
        let logs = LogCapture()
        let client = try client(account(["role_trn": .string(Self.roleTrn)]), logger: logs.logger())
        _ = try await client.fetchBalance()
        simulator.revokeToken(accessKeyId: "AKTPsim1")

        let reading = try await client.fetchBalance()

        XCTAssertEqual(reading.uin, "4294967296123")
        XCTAssertEqual(simulator.issuedCount, 2)
        XCTAssertEqual(simulator.requests.last?.headers["X-Security-Token"], "STSsim-token-2")
        XCTAssertEqual(logs.all.filter { $0.contains("renewing them and retrying once") }.count, 1, logs.all.joined(separator: "\n"))
        for line in logs.all {
            XCTAssertFalse(line.contains("sim-sts-secret") || line.contains("STSsim-token") || line.contains(Self.secretKey), line)
        }
    }

    func testATokenRefusedAgainAfterTheRenewalIsAnAuthFailureNotALoop() async throws {
        let client = try client(account(["role_trn": .string(Self.roleTrn)]))
        _ = try await client.fetchBalance()
        simulator.enqueueFaults(Array(repeating: .error(code: "InvalidSecretToken", status: 401, message: "Invalid secret token"), count: 2))
        let requests = simulator.requestCount

        let error = await client.liveFailure()

        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(error?.code, "InvalidSecretToken")
        XCTAssertEqual(simulator.requestCount - requests, 3, "the refused call, one AssumeRole, one retry")
    }

    func testAConfiguredSessionTokenRefusedIsNotRetried() async throws {
        simulator.addTemporaryKey(accessKeyId: "AKTPconfigured", secretAccessKey: "tmp-secret", sessionToken: "configured-token",
                                  expiresAt: clock.now() - 1, account: "main")
        let requests = simulator.requestCount
        let error = try await client(account(["access_key": .string("AKTPconfigured"), "secret_key": .string("tmp-secret"),
                                              "session_token": .string("configured-token")])).liveFailure()
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(error?.code, "InvalidSecretToken")
        XCTAssertEqual(simulator.requestCount - requests, 1)
    }

    func testAFailedAssumeRoleNamesSTSAndItsReason() async throws {
        simulator.enqueueFaults([.error(code: "AccessDenied", status: 403, message: "User is not authorized to perform: sts:AssumeRole")],
                                for: .assumeRole)
        let error = try await client(account(["role_trn": .string(Self.roleTrn)])).liveFailure()
        XCTAssertEqual(error?.reason, .permission)
        XCTAssertEqual(error?.message.hasPrefix("STS AssumeRole: "), true, error?.message ?? "")

        let closed = try liveClosedPort()
        let unreachable = try await client(account(["role_trn": .string(Self.roleTrn),
                                                    "sts_endpoint": .string("http://127.0.0.1:\(closed)/some/path")])).liveFailure()
        XCTAssertEqual(unreachable?.reason, .network)
        XCTAssertEqual(unreachable?.message.contains("to 127.0.0.1:\(closed) failed"), true, unreachable?.message ?? "")
        XCTAssertEqual(unreachable?.message.contains("/some/path"), false)
    }

    // MARK: Errors

    func testEachErrorClassOverLoopback() async throws {
        let client = try client(account())
        let cases: [(VolcengineSimulator.Fault, FailureReason, String?)] = [
            (.error(code: "SignatureDoesNotMatch", status: 401, message: "signature"), .auth, "SignatureDoesNotMatch"),
            (.error(code: "InvalidAccessKey", status: 401, message: "key"), .auth, "InvalidAccessKey"),
            (.error(code: "InvalidSecretToken", status: 401, message: "token"), .auth, "InvalidSecretToken"),
            (.error(code: "AccessDenied", status: 403, message: "User is not authorized"), .permission, "AccessDenied"),
            (.error(code: "FlowLimitExceeded", status: 429, message: "slow down"), .throttled, "FlowLimitExceeded"),
            (.error(code: "InvalidTimestamp", status: 400, message: "expired"), .clock, "InvalidTimestamp"),
            (.error(code: "InternalError", status: 500, message: "unknown error"), .upstream_error, "InternalError"),
            (.error(code: "RecordNoFound", status: 200, message: "The Record No Found."), .upstream_error, "RecordNoFound"),
            (.httpStatus(502), .http_status, nil),
            (.httpStatus(429), .throttled, nil),
            (.garbage, .bad_response, nil),
            (.truncatedJSON, .bad_response, nil),
        ]
        for (fault, reason, code) in cases {
            simulator.enqueueFaults([fault])
            let error = await client.liveFailure()
            XCTAssertEqual(error?.reason, reason, "\(fault)")
            XCTAssertEqual(error?.code, code, "\(fault)")
        }
        simulator.updateAccount("main") { $0.availableBalance = nil }
        let noBalance = await client.liveFailure()
        XCTAssertEqual(noBalance?.reason, .bad_response)
        XCTAssertEqual(noBalance?.message, "the success response has no Result.AvailableBalance")
    }

    func testTheSimulatorsOwnVerificationRefusesAWrongSecretAndAClockOff() async throws {
        let wrong = try await client(account(["secret_key": .string("not-the-secret")])).liveFailure()
        XCTAssertEqual(wrong?.reason, .auth)
        XCTAssertEqual(wrong?.code, "SignatureDoesNotMatch")
        XCTAssertNotNil(wrong?.requestID)

        let skewed = ProviderContext(transport: SocketTransport(), clock: TestClock(now: clock.now() + 1200), logger: .discard,
                                     environment: [:], userAgent: "ua")
        let skew = try await Volcengine.schema.make(account(), skewed).liveFailure()
        XCTAssertEqual(skew?.reason, .clock)
        XCTAssertEqual(skew?.code, "InvalidTimestamp")
    }

    func testThrottlingCarriesTheRetryAfter() async throws {
        simulator.enqueueFaults([.throttled(retryAfter: "30")])
        let error = try await client(account()).liveFailure()
        XCTAssertEqual(error?.reason, .throttled)
        XCTAssertEqual(error?.retryAfter, 30)
    }

    func testNoSecretOrTokenInAnyErrorEvenWhenTheUpstreamQuotesThem() async throws {
        let echo = try serveOnLoopback { request in
            let token = request.headers["X-Security-Token"] ?? ""
            let body = JSONValue.object(["ResponseMetadata": .object([
                "RequestId": .string("req-\(Self.secretKey)"),
                "Error": .object(["Code": .string("InternalError"), "Message": .string("got \(Self.secretKey) and \(token)")]),
            ])]).text
            return HTTPResponse(status: 500, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
        }
        let failure = try await client(account(["session_token": .string("configured-token-echoed")],
                                                endpoint: "http://127.0.0.1:\(echo)")).liveFailure()
        let error = try XCTUnwrap(failure)
        XCTAssertEqual(error.reason, .upstream_error)
        let text = "\(error.message) \(error.code ?? "") \(error.requestID ?? "")"
        XCTAssertFalse(text.contains(Self.secretKey), text)
        XCTAssertFalse(text.contains("configured-token-echoed"), text)
        XCTAssertTrue(text.contains("<redacted>"), text)
    }

    // MARK: Rate limit

    /// The simulator refuses a second call of one account within a second;
    /// six accounts (six users of one main account) refreshed by the real
    /// engine at the provider's default limit are never refused.
    func testTheDefaultRateLimitKeepsManyAccountsOfOneMainAccountUnderTheUpstreamsLimit() async throws {
        simulator.setRateLimit(requestsPerSecond: 1)
        var accounts: [AccountConfig] = []
        var providers: [String: any BalanceProvider] = [:]
        for n in 0..<6 {
            simulator.addKey(accessKeyId: "AKLTuser\(n)", secretAccessKey: "user-secret-\(n)", account: "main")
            var config = account(["access_key": .string("AKLTuser\(n)"), "secret_key": .string("user-secret-\(n)")], uin: "u\(n)")
            config.name = "user\(n)"
            accounts.append(config)
            providers[config.name] = try client(config)
        }
        let engine = RefreshEngine(clock: clock, logger: .discard)
        let limits = ProviderLimits(requestsPerSecond: Volcengine.schema.defaultRequestsPerSecond,
                                    maxConcurrency: Volcengine.schema.defaultMaxConcurrency)
        engine.apply(ExporterConfig(maxStale: 600, providerLimits: ["volcengine": limits], accounts: accounts, source: "test"),
                     providers: providers)
        let refresh = Task { await engine.refreshNow() }
        // The limiter sleeps on the test clock: move it on only while every slot holder sleeps
        // (no call on the wire), so each call reaches the simulator at the instant it was released.
        var rounds = 0
        while simulator.requestCount < accounts.count && rounds < 100_000 {
            rounds += 1
            let waiting = min(limits.maxConcurrency, accounts.count - simulator.requestCount)
            if clock.sleeperCount >= waiting { clock.advance(by: 0.25) } else { try await Task.sleep(nanoseconds: 1_000_000) }
        }
        let snapshot = await refresh.value
        for n in 0..<6 {
            XCTAssertEqual(snapshot.value(Catalog.up, uin: "u\(n)"), 1, "user\(n)")
        }
        XCTAssertEqual(simulator.requestCount, 6)
    }
}
