import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceHuaweiCloud
@testable import BalanceSimulators
@testable import BalanceSupport

/// A simulated Huawei Cloud (BSS and IAM on one server, the ECS metadata
/// service on another) served by the real `HTTPServer` on 127.0.0.1, read by
/// the provider through the production `SocketTransport`, on one test clock.
final class HuaweiWorld: Sendable {
    static let domainId = "0123456789abcdef0123456789abcdef"
    static let accessKey = "HPUACLIENT0001"
    static let secretKey = "client-secret-key-0001"

    let clock: TestClock
    let cloud: HuaweiSimulator
    let metadata: HuaweiSimulatorMetadata
    let endpoint: String
    let metadataEndpoint: String
    let keyFailures = HuaweiKeyFailures()
    let logs = LogCapture()

    init(_ test: XCTestCase, site: HuaweiSimulatorAccount.Site = .china, clock: TestClock = TestClock(),
         account: HuaweiSimulatorAccount? = nil) throws {
        self.clock = clock
        cloud = HuaweiSimulator(clock: clock, site: site)
        cloud.setAccount(domainId: Self.domainId, account ?? HuaweiSimulatorAccount(name: "acme", site: site, entries: [
            .init(accountType: 1, amount: "1234.56"),
        ], debtAmount: "0"))
        cloud.addKey(accessKey: Self.accessKey, secretKey: Self.secretKey, domainId: Self.domainId)
        metadata = HuaweiSimulatorMetadata(clock: clock, cloud: cloud, domainId: Self.domainId)
        endpoint = "http://127.0.0.1:\(try test.serveOnLoopback(cloud))"
        metadataEndpoint = "http://127.0.0.1:\(try test.serveOnLoopback(metadata))"
    }

    /// An account on this world's endpoints (IAM on the BSS server), with the world's keys unless `values` replaces them.
    func account(_ values: [String: ConfigValue] = [:], name: String = "hw", uin: String? = nil,
                 keys: Bool = true) -> AccountConfig {
        var all: [String: ConfigValue] = ["iam_endpoint": .string(endpoint), "metadata_endpoint": .string(metadataEndpoint)]
        if keys { all["access_key"] = .string(Self.accessKey); all["secret_key"] = .string(Self.secretKey) }
        all.merge(values) { $1 }
        return AccountConfig(name: name, provider: HuaweiCloud.providerName, endpoint: endpoint, uin: uin,
                             refreshInterval: 60, values: all)
    }

    func client(_ account: AccountConfig, environment: [String: String] = [:], clock: (any WallClock)? = nil) throws -> HuaweiCloudClient {
        let context = ProviderContext(transport: SocketTransport(), clock: clock ?? self.clock, logger: logs.logger(clock: self.clock),
                                      environment: environment, userAgent: "balance_exporter/test", requestTimeout: 5)
        return try HuaweiCloud.makeClient(account: account, context: context, keyFailures: keyFailures)
    }

    func requests(to path: String) -> [HTTPRequest] { cloud.requests.filter { $0.path.hasPrefix(path) } }
    var balanceRequests: [HTTPRequest] { requests(to: HuaweiRequest.balancePath) }
    var domainRequests: [HTTPRequest] { requests(to: HuaweiRequest.domainsPath) }
}

extension HTTPRequest {
    /// The access key of its `Authorization` header.
    var signingKey: String? {
        headers["Authorization"]?.split(separator: ",").first?.split(separator: "=").last.map(String.init)
    }
}

final class HuaweiCloudClientTests: XCTestCase {
    private func failure(_ client: HuaweiCloudClient, file: StaticString = #filePath, line: UInt = #line) async -> ProviderError? {
        do {
            let reading = try await client.fetchBalance()
            XCTFail("expected a failure, got \(reading)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Fields

    func testEveryEntryTypeDebtSeparatorsAndCurrencyOverLoopback() async throws {
        let world = try HuaweiWorld(self, site: .international, account: HuaweiSimulatorAccount(name: "acme", site: .international, entries: [
            .init(accountType: 1, amount: #""1,234.56""#, designatedAmount: "10.5", currency: "USD"),
            .init(accountType: 2, amount: "5000", creditAmount: "5000", currency: "USD"),
            .init(accountType: 5, amount: "-3.25", currency: "USD"),
            .init(accountType: 7, amount: "100", designatedAmount: "null", currency: "USD"),
            .init(accountType: 9, amount: "1", currency: "USD"),
            .init(accountType: 1, amount: "999", currency: "USD"),
        ], debtAmount: "42.75", currency: "USD"))
        let client = try world.client(world.account(["domain_id": .string(HuaweiWorld.domainId)]))

        let reading = try await client.fetchBalance()

        func type(_ value: String) -> [Label] { [Label("account_type", value)] }
        XCTAssertEqual(reading.uin, HuaweiWorld.domainId)
        XCTAssertEqual(reading.available, 1234.56)
        XCTAssertEqual(reading.currency, "USD")
        XCTAssertEqual(reading.dropped, 1, "the second balance entry is dropped and counted")
        XCTAssertEqual(reading.fields, [
            FieldSample(HuaweiMetrics.accountAmount, 1234.56, labels: type("balance")),
            FieldSample(HuaweiMetrics.accountDesignatedAmount, 10.5, labels: type("balance")),
            FieldSample(HuaweiMetrics.accountAmount, 5000, labels: type("credit")),
            FieldSample(HuaweiMetrics.accountCreditAmount, 5000, labels: type("credit")),
            FieldSample(HuaweiMetrics.accountAmount, -3.25, labels: type("bonus")),
            FieldSample(HuaweiMetrics.accountAmount, 100, labels: type("deposit")),
            FieldSample(HuaweiMetrics.accountAmount, 1, labels: type("9")),
            FieldSample(HuaweiMetrics.debtAmount, 42.75),
        ])
        XCTAssertEqual(world.domainRequests.count, 0, "a configured domain_id needs no IAM call")
        let sent = try XCTUnwrap(world.balanceRequests.last)
        XCTAssertEqual(sent.headers["X-Domain-Id"], HuaweiWorld.domainId)
        XCTAssertEqual(sent.headers["Content-Type"], "application/json")
        XCTAssertEqual(sent.target, HuaweiRequest.balancePath, "the slash is added for signing only")
    }

    func testAnAccountOfTheOtherSiteIsAnUpstreamErrorNamingTheOtherEndpoint() async throws {
        // The account is registered at the China site; the simulator is the international one.
        let world = try HuaweiWorld(self, site: .international, account: HuaweiSimulatorAccount(
            name: "acme", site: .china, entries: [.init(accountType: 1, amount: "1")]))
        let error = await failure(try world.client(world.account(["domain_id": .string(HuaweiWorld.domainId)])))
        XCTAssertEqual(error?.reason, .upstream_error)
        XCTAssertEqual(error?.code, "CBC.0156")
        XCTAssertTrue(error?.message.contains("https://bss.myhuaweicloud.com") ?? false, error?.message ?? "")
    }

    // MARK: The uin

    func testTheDomainIdFromIAMIsAskedOncePerKeyAndSentAsXDomainId() async throws {
        let world = try HuaweiWorld(self)
        let client = try world.client(world.account())

        let first = try await client.fetchBalance()
        let second = try await client.fetchBalance()

        XCTAssertEqual(first.uin, HuaweiWorld.domainId)
        XCTAssertEqual(second.uin, HuaweiWorld.domainId)
        XCTAssertEqual(world.domainRequests.count, 1, "one IAM call per credential")
        XCTAssertEqual(world.balanceRequests.map { $0.headers["X-Domain-Id"] }, [HuaweiWorld.domainId, HuaweiWorld.domainId])
    }

    func testAConfiguredUinMakesNoIAMCall() async throws {
        let world = try HuaweiWorld(self)
        let reading = try await world.client(world.account(uin: "pinned")).fetchBalance()
        XCTAssertEqual(reading.available, 1234.56)
        XCTAssertEqual(world.domainRequests.count, 0)
        XCTAssertNil(world.balanceRequests.last?.headers["X-Domain-Id"])
    }

    func testIAMRefusedTheBalanceIsReadWithoutDomainIdAndOneWarningSaysSetDomainId() async throws {
        let world = try HuaweiWorld(self)
        world.cloud.setPermissions(accessKey: HuaweiWorld.accessKey, viewBalance: true, listDomains: false)
        let client = try world.client(world.account())

        let first = try await client.fetchBalance()
        let second = try await client.fetchBalance()

        XCTAssertNil(first.uin, "the label stays the account name")
        XCTAssertNil(second.uin)
        XCTAssertEqual(first.available, 1234.56)
        XCTAssertEqual(world.domainRequests.count, 1, "a refusal is kept for the key")
        XCTAssertEqual(world.balanceRequests.compactMap { $0.headers["X-Domain-Id"] }, [])
        let warnings = world.logs.all.filter { $0.contains("set domain_id") }
        XCTAssertEqual(warnings.count, 1, "\(world.logs.all)")
        XCTAssertTrue(warnings.first?.contains("level=warn") ?? false, "\(warnings)")
    }

    // MARK: Error classes

    func testEachErrorClass() async throws {
        let cases: [(String, HuaweiSimulatorFault, FailureReason, String?)] = [
            ("throttled", .throttled(retryAfter: "3"), .throttled, "APIGW.0308"),
            ("error code in HTTP 200", .error(status: 200, code: "CBC.3002", message: "Operation failed."), .upstream_error, "CBC.3002"),
            ("permission", .error(status: 403, code: "CBC.0151", message: "Access denied."), .permission, "CBC.0151"),
            ("other envelope", .error(status: 500, code: "CBC.0999", message: "Other errors."), .upstream_error, "CBC.0999"),
            ("gateway auth", .error(status: 401, code: "APIG.0301", message: "Incorrect IAM authentication information"), .auth, "APIG.0301"),
            ("no envelope", .httpStatus(502), .http_status, nil),
            ("HTML with 200", .garbage, .bad_response, nil),
            ("truncated", .truncatedJSON, .bad_response, nil),
        ]
        let world = try HuaweiWorld(self)
        for (name, fault, reason, code) in cases {
            // A fresh key record per case: the auth case must not pause the others.
            let client = try HuaweiCloud.makeClient(
                account: world.account(["domain_id": .string(HuaweiWorld.domainId)]),
                context: ProviderContext(transport: SocketTransport(), clock: world.clock, logger: .discard, environment: [:],
                                         userAgent: "t"),
                keyFailures: HuaweiKeyFailures())
            world.cloud.enqueueFaults([fault])
            let error = await failure(client)
            XCTAssertEqual(error?.reason, reason, name)
            XCTAssertEqual(error?.code, code, name)
            if case .throttled = fault { XCTAssertEqual(error?.retryAfter, 3, name) }
        }
    }

    func testAnswersWithoutABalanceOrInAnUnknownUnitAreBadResponses() async throws {
        for account in [
            HuaweiSimulatorAccount(name: "no balance", entries: [.init(accountType: 2, amount: "5000")]),
            HuaweiSimulatorAccount(name: "unit", entries: [.init(accountType: 1, amount: "5", measureId: 9)]),
        ] {
            let world = try HuaweiWorld(self, account: account)
            let error = await failure(try world.client(world.account(["domain_id": .string(HuaweiWorld.domainId)])))
            XCTAssertEqual(error?.reason, .bad_response, account.name)
        }
    }

    func testAWrongSecretKeyIsAuthAndNeverQuotesTheSecretOrTheToken() async throws {
        let world = try HuaweiWorld(self)
        world.cloud.addTemporaryKey(accessKey: "HSTATEMP01", secretKey: "temp-secret-right", securityToken: "temp-token-SECRET",
                                    expiresAt: world.clock.now() + 3600, domainId: HuaweiWorld.domainId)
        let client = try world.client(world.account(["access_key": .string("HSTATEMP01"), "secret_key": .string("temp-secret-WRONG"),
                                                     "security_token": .string("temp-token-SECRET")]))
        let failed = await failure(client)
        let error = try XCTUnwrap(failed)
        XCTAssertEqual(error.reason, .auth)
        XCTAssertEqual(error.code, "APIGW.0301")
        // The gateway echoes its canonical request, security token included.
        XCTAssertTrue(error.message.contains("canonicalRequest"), error.message)
        for secret in ["temp-secret-WRONG", "temp-token-SECRET", "temp-secret-right"] {
            XCTAssertFalse("\(error)".contains(secret), "\(error)")
            XCTAssertFalse(world.logs.all.joined().contains(secret))
        }
    }

    func testASkewedClockIsAClockFailureNamingTheServersTime() async throws {
        let world = try HuaweiWorld(self)
        let skewed = TestClock(now: world.clock.now() + 1200)
        let error = await failure(try world.client(world.account(["domain_id": .string(HuaweiWorld.domainId)]), clock: skewed))
        XCTAssertEqual(error?.reason, .clock)
        XCTAssertTrue(error?.message.contains("this host's clock is 1200 s ahead") ?? false, error?.message ?? "")
    }

    // MARK: Lock-out

    func testTwoAuthenticationFailuresPauseTheKeyForEveryAccountSoHuaweiNeverLocksIt() async throws {
        let world = try HuaweiWorld(self)
        let domain: [String: ConfigValue] = ["domain_id": .string(HuaweiWorld.domainId)]
        var wrong = domain
        wrong["secret_key"] = .string("a-typo")
        let broken = try world.client(world.account(wrong, name: "broken"))
        let good = try world.client(world.account(domain, name: "good"))

        for _ in 0..<10 {
            let error = await failure(broken)
            XCTAssertEqual(error?.reason, .auth)
            world.clock.advance(by: 20)
        }
        XCTAssertEqual(world.balanceRequests.count, 2, "the key is not used again after two failures in a row")
        let paused = await failure(good)
        XCTAssertEqual(paused?.reason, .auth)
        XCTAssertTrue(paused?.message.contains("not used for another") ?? false, paused?.message ?? "")
        XCTAssertNil(world.cloud.lockedUntil(accessKey: HuaweiWorld.accessKey), "Huawei's lock-out is never reached")

        world.clock.advance(by: 300)
        let reading = try await good.fetchBalance()
        XCTAssertEqual(reading.available, 1234.56)
        XCTAssertNil(world.cloud.lockedUntil(accessKey: HuaweiWorld.accessKey))
    }

    func testASuccessInBetweenResetsTheCount() async throws {
        let world = try HuaweiWorld(self)
        let domain: [String: ConfigValue] = ["domain_id": .string(HuaweiWorld.domainId)]
        var wrong = domain
        wrong["secret_key"] = .string("a-typo")
        let broken = try world.client(world.account(wrong, name: "broken"))
        let good = try world.client(world.account(domain, name: "good"))
        for _ in 0..<3 {
            _ = await failure(broken)
            _ = try await good.fetchBalance()
        }
        XCTAssertEqual(world.balanceRequests.count, 6, "never two failures in a row: never paused")
    }

    // MARK: Temporary credentials

    func testECSAgencyKeysAreSignedWithTheirTokenAndRenewedBeforeTheyExpire() async throws {
        let world = try HuaweiWorld(self)
        let client = try world.client(world.account(keys: false))

        _ = try await client.fetchBalance()
        _ = try await client.fetchBalance()
        XCTAssertEqual(world.metadata.issuedCount, 1)
        let first = try XCTUnwrap(world.balanceRequests.last)
        XCTAssertEqual(first.signingKey, "HSTASIMULATED1")
        XCTAssertEqual(first.headers["X-Security-Token"], "metadata-token-1")
        XCTAssertTrue(first.headers["Authorization"]?.contains("x-security-token") ?? false)
        XCTAssertEqual(world.metadata.requests.first?.method, "PUT", "a metadata session token first")
        XCTAssertNotNil(world.metadata.requests.last?.headers["X-Metadata-Token"])

        world.clock.advance(by: 3600 - 300)
        let reading = try await client.fetchBalance()
        XCTAssertEqual(reading.uin, HuaweiWorld.domainId)
        XCTAssertEqual(world.metadata.issuedCount, 2)
        XCTAssertEqual(world.balanceRequests.last?.signingKey, "HSTASIMULATED2")
        XCTAssertEqual(world.domainRequests.map(\.signingKey), ["HSTASIMULATED1", "HSTASIMULATED2"], "the domain id asked once per credential")
    }

    func testATokenRejectedAsExpiredIsRenewedAndRetriedExactlyOnce() async throws {
        let world = try HuaweiWorld(self)
        let client = try world.client(world.account(["domain_id": .string(HuaweiWorld.domainId)], keys: false))
        _ = try await client.fetchBalance()
        // Past the service's rotation (10 min before expiry), before the client's renewal (5 min):
        world.clock.advance(by: 3600 - 550)
        // ...and the token revoked early.
        world.cloud.addTemporaryKey(accessKey: "HSTASIMULATED1", secretKey: "metadata-secret-1", securityToken: "metadata-token-1",
                                    expiresAt: world.clock.now() - 1, domainId: HuaweiWorld.domainId)

        let reading = try await client.fetchBalance()

        XCTAssertEqual(reading.available, 1234.56)
        XCTAssertEqual(world.balanceRequests.map(\.signingKey), ["HSTASIMULATED1", "HSTASIMULATED1", "HSTASIMULATED2"])
        XCTAssertTrue(world.logs.all.contains { $0.contains("renewing them and retrying once") })
    }

    func testAConfiguredTokenRejectedAsExpiredIsNotRetried() async throws {
        let world = try HuaweiWorld(self)
        world.cloud.addTemporaryKey(accessKey: "HSTACONF", secretKey: "conf-secret", securityToken: "conf-token",
                                    expiresAt: world.clock.now() - 1, domainId: HuaweiWorld.domainId)
        let client = try world.client(world.account(["access_key": .string("HSTACONF"), "secret_key": .string("conf-secret"),
                                                     "security_token": .string("conf-token"), "domain_id": .string(HuaweiWorld.domainId)]))
        let error = await failure(client)
        XCTAssertEqual(error?.reason, .auth)
        XCTAssertEqual(world.balanceRequests.count, 1)
    }

    // MARK: Credential chain

    func testTheChainTakesTheEnvironmentThenTheCredentialsFileThenTheAgency() async throws {
        let world = try HuaweiWorld(self)
        world.cloud.addKey(accessKey: "HPUAENV", secretKey: "env-secret", domainId: HuaweiWorld.domainId)
        world.cloud.addKey(accessKey: "HPUAFILE", secretKey: "file-secret", domainId: HuaweiWorld.domainId)
        let directory = try temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("credentials")
        try "[basic]\nak = HPUABASIC\nsk = no\n\n[global]\nak = HPUAFILE\nsk = file-secret\ndomain_id = \(HuaweiWorld.domainId)\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let account = world.account(keys: false)
        let fileEnvironment = ["HUAWEICLOUD_SDK_CREDENTIALS_FILE": file.path]
        let environment = fileEnvironment.merging(["HUAWEICLOUD_SDK_AK": "HPUAENV", "HUAWEICLOUD_SDK_SK": "env-secret",
                                                   "HUAWEICLOUD_SDK_DOMAIN_ID": HuaweiWorld.domainId]) { $1 }

        _ = try await world.client(account, environment: environment).fetchBalance()
        XCTAssertEqual(world.balanceRequests.last?.signingKey, "HPUAENV")
        _ = try await world.client(account, environment: fileEnvironment).fetchBalance()
        XCTAssertEqual(world.balanceRequests.last?.signingKey, "HPUAFILE")
        XCTAssertEqual(world.domainRequests.count, 0, "the domain id of the environment and the file needs no IAM call")
        _ = try await world.client(account, environment: ["HOME": directory.path]).fetchBalance()
        XCTAssertEqual(world.balanceRequests.last?.signingKey, "HSTASIMULATED1")
        XCTAssertEqual(world.balanceRequests.map { $0.headers["X-Domain-Id"] }, Array(repeating: HuaweiWorld.domainId, count: 3))
    }

    func testWithoutAnyCredentialsTheErrorNamesEveryPlaceLooked() async throws {
        let world = try HuaweiWorld(self)
        let account = AccountConfig(name: "none", provider: HuaweiCloud.providerName, endpoint: world.endpoint, refreshInterval: 60,
                                    values: ["metadata_endpoint": .string("http://127.0.0.1:\(try freeLoopbackPort())")])
        let error = await failure(try world.client(account, environment: ["HOME": "/nonexistent"]))
        XCTAssertEqual(error?.reason, .auth)
        for place in ["access_key", "HUAWEICLOUD_SDK_AK", "/nonexistent/.huaweicloud/credentials", "ECS agency"] {
            XCTAssertTrue(error?.message.contains(place) ?? false, "\(place): \(error?.message ?? "")")
        }
        XCTAssertEqual(world.balanceRequests.count, 0)
    }
}
