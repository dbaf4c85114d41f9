import BalanceTestSupport
import XCTest
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceHuaweiCloud
@testable import BalanceSimulators
@testable import BalanceSupport

final class HuaweiCloudConfigTests: XCTestCase {
    private let context = ProviderContext(transport: HandlerTransport(handler: HuaweiSimulator(clock: TestClock())),
                                          clock: TestClock(), logger: .discard, environment: [:], userAgent: "t")

    private func problems(_ values: [String: ConfigValue], endpoint: String = HuaweiCloud.defaultEndpoint) -> [String] {
        let account = AccountConfig(name: "prod", provider: "huaweicloud", endpoint: endpoint, refreshInterval: 60, values: values,
                                    location: "accounts[3] \"prod\"")
        do {
            _ = try HuaweiCloud.schema.make(account, context)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    func testSchema() {
        let schema = HuaweiCloud.schema
        XCTAssertEqual(schema.name, "huaweicloud")
        XCTAssertEqual(schema.defaultEndpoint, "https://bss.myhuaweicloud.com")
        XCTAssertEqual(schema.defaultRequestsPerSecond, 5, "half the documented 10 requests/s")
        XCTAssertEqual(Set(schema.keys.filter(\.secret).map(\.name)), ["access_key", "secret_key", "security_token"])
        XCTAssertEqual(Set(schema.keys.map(\.name)), ["access_key", "secret_key", "security_token", "domain_id", "iam_endpoint",
                                                       "metadata_endpoint", "request_timeout"])
        XCTAssertEqual(schema.identityKeys, ["access_key"])
    }

    func testValidAccountsBuild() {
        XCTAssertEqual(problems([:]), [])
        XCTAssertEqual(problems(["access_key": .string("HPUA"), "secret_key": .string("s"), "security_token": .string("t"),
                                 "domain_id": .string("0123456789abcdef0123456789abcdef"),
                                 "iam_endpoint": .string("https://iam.ap-southeast-1.myhuaweicloud.com"),
                                 "metadata_endpoint": .string("http://127.0.0.1:9"), "request_timeout": .duration(3)],
                                endpoint: HuaweiCloud.internationalEndpoint), [])
    }

    func testEveryProblemOfAnAccountAtOnceInTheOneLocationFormat() {
        XCTAssertEqual(problems(["access_key": .string("HPUA\r\nX-Evil: 1"), "security_token": .string("t"),
                                 "domain_id": .string("not a domain id"), "iam_endpoint": .string("iam"),
                                 "metadata_endpoint": .string("ftp://169.254.169.254"), "request_timeout": .duration(0)],
                                endpoint: "bss.myhuaweicloud.com"), [
            "accounts[3] \"prod\": endpoint: not an http:// or https:// URL with a host: bss.myhuaweicloud.com",
            "accounts[3] \"prod\": access_key: must not contain control characters",
            "accounts[3] \"prod\": secret_key: required when access_key is set",
            "accounts[3] \"prod\": domain_id: must be the account ID (letters, digits, - and _, at most 64)",
            "accounts[3] \"prod\": iam_endpoint: not an http:// or https:// URL with a host: iam",
            "accounts[3] \"prod\": metadata_endpoint: not an http:// or https:// URL with a host: ftp://169.254.169.254",
            "accounts[3] \"prod\": request_timeout: must be a positive duration",
        ])
        XCTAssertEqual(problems(["secret_key": .string("s")]), ["accounts[3] \"prod\": access_key: required when secret_key is set"])
        XCTAssertEqual(problems(["security_token": .string("t")]),
                       ["accounts[3] \"prod\": security_token: set without access_key and secret_key"])
    }

    func testTheSDKsEnvironmentVariablesMakeAZeroConfigAccount() throws {
        let loaded = try ConfigLoader(schemas: [HuaweiCloud.schema], environment: [
            "HUAWEICLOUD_SDK_AK": "HPUAENV", "HUAWEICLOUD_SDK_SK": "env-secret", "HUAWEICLOUD_SDK_SECURITY_TOKEN": "env-token",
            "HUAWEICLOUD_SDK_DOMAIN_ID": "0123456789abcdef0123456789abcdef",
        ]).load(path: nil)
        let account = try XCTUnwrap(loaded.config.accounts.first)
        XCTAssertEqual(account.provider, "huaweicloud")
        XCTAssertEqual(account.endpoint, "https://bss.myhuaweicloud.com")
        XCTAssertEqual(account.values, ["access_key": .string("HPUAENV"), "secret_key": .string("env-secret"),
                                        "security_token": .string("env-token"),
                                        "domain_id": .string("0123456789abcdef0123456789abcdef")])
        XCTAssertEqual(loaded.config.providerLimits["huaweicloud"], ProviderLimits(requestsPerSecond: 5, maxConcurrency: 4, identityKeys: ["access_key"]))

        XCTAssertThrowsError(try ConfigLoader(schemas: [HuaweiCloud.schema], environment: ["HUAWEICLOUD_SDK_AK": "HPUAENV"])
            .load(path: nil)) { error in
            XCTAssertEqual((error as? ConfigProblems)?.problems.map(\.key), ["HUAWEICLOUD_SDK_SK"])
        }
    }
}

/// The provider's default rate limit, held by the engine for many accounts
/// behind one egress IP: the simulator (one source IP, Huawei's 10 requests/s)
/// never throttles, and no one-second window holds more than the default 5.
final class HuaweiRateLimitTests: XCTestCase {
    /// Records when (by the test clock) each request arrived.
    private final class Timed: HTTPHandler {
        let inner: HuaweiSimulator
        let clock: TestClock
        let times = LockedArray<Double>()
        init(_ inner: HuaweiSimulator, clock: TestClock) {
            self.inner = inner
            self.clock = clock
        }
        func handle(_ request: HTTPRequest) -> HTTPResponse {
            times.append(clock.now())
            return inner.handle(request)
        }
    }

    func testFortyAccountsAtTheDefaultLimitAreNeverThrottled() async throws {
        let clock = TestClock()
        let cloud = HuaweiSimulator(clock: clock)
        let server = Timed(cloud, clock: clock)
        let endpoint = "http://127.0.0.1:\(try serveOnLoopback(server))"
        let schema = HuaweiCloud.makeSchema(keyFailures: HuaweiKeyFailures())
        let context = ProviderContext(transport: SocketTransport(), clock: clock, logger: .discard, environment: [:], userAgent: "t")
        var accounts: [AccountConfig] = []
        var providers: [String: any BalanceProvider] = [:]
        for index in 0..<40 {
            let domain = "domain\(index)"
            cloud.setAccount(domainId: domain, HuaweiSimulatorAccount(name: domain, entries: [.init(accountType: 1, amount: "\(index)")]))
            cloud.addKey(accessKey: "HPUA\(index)", secretKey: "secret-\(index)", domainId: domain)
            let account = AccountConfig(name: "hw\(index)", provider: schema.name, endpoint: endpoint, refreshInterval: 60,
                                        values: ["access_key": .string("HPUA\(index)"), "secret_key": .string("secret-\(index)"),
                                                 "domain_id": .string(domain)])
            accounts.append(account)
            providers[account.name] = try schema.make(account, context)
        }
        let engine = RefreshEngine(clock: clock, logger: .discard)
        let limits = ProviderLimits(requestsPerSecond: schema.defaultRequestsPerSecond, maxConcurrency: schema.defaultMaxConcurrency)
        engine.apply(ExporterConfig(providerLimits: [schema.name: limits], accounts: accounts), providers: providers)

        let refresh = Task { await engine.refreshNow() }
        let deadline = Date().addingTimeInterval(60)
        while server.times.values.count < 40 && Date() < deadline {
            // Advance only while every slot holder waits on the clock.
            if clock.sleeperCount >= min(limits.maxConcurrency, 40 - server.times.values.count) { clock.advance(by: 0.05) }
            await Task.yield()
        }
        let snapshot = await refresh.value

        for index in 0..<40 {
            XCTAssertEqual(snapshot.value(Catalog.available, uin: "domain\(index)"), Double(index), "hw\(index)")
        }
        let times = server.times.values.sorted()
        XCTAssertEqual(times.count, 40)
        for i in 0..<(times.count - 5) {
            XCTAssertGreaterThanOrEqual(times[i + 5] - times[i], 1 - 1e-6, "requests \(i)...\(i + 5) within one second")
        }
    }
}
