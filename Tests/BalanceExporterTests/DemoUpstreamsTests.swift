import BalanceTestSupport
import Foundation
import Synchronization
import XCTest
@testable import BalanceAlibabaCloud
@testable import BalanceCore
@testable import BalanceExporter
@testable import BalanceHTTP
@testable import BalanceHuaweiCloud
@testable import BalanceSupport
@testable import BalanceTencentCloud
@testable import BalanceVolcengine
@testable import BalanceYeastar

/// `--demo` end to end: the demo's config read by the real provider clients
/// over real loopback sockets, with a test clock moving the balances.
final class DemoUpstreamsTests: XCTestCase {
    private static let day = 86_400.0

    private func startDemo(clock: TestClock, logger: Logger = .discard) throws -> DemoUpstreams {
        let demo = try DemoUpstreams.start(logger: logger, clock: clock)
        addTeardownBlock { demo.stop() }
        return demo
    }

    /// Every configured account's client, built exactly as the exporter builds them.
    private func providers(_ demo: DemoUpstreams, clock: TestClock) throws -> [String: any BalanceProvider] {
        let context = ProviderContext(transport: SocketTransport(), clock: clock, logger: .discard,
                                      environment: [:], userAgent: "test")
        var providers: [String: any BalanceProvider] = [:]
        for account in demo.config.accounts {
            let schema = try XCTUnwrap(Exporter.providerSchemas.first { $0.name == account.provider },
                                       "unknown provider \(account.provider)")
            providers[account.name] = try schema.make(account, context)
        }
        return providers
    }

    private func fetch(_ provider: (any BalanceProvider)?, _ name: String) async throws -> BalanceReading {
        let provider = try XCTUnwrap(provider, "no account \(name)")
        do {
            return try await provider.fetchBalance()
        } catch {
            XCTFail("\(name): \(error)")
            throw error
        }
    }

    private func values(_ reading: BalanceReading, _ descriptor: MetricDescriptor) -> [Double] {
        reading.fields.filter { $0.descriptor.name == descriptor.name }.map(\.value)
    }

    private func accountNames(provider: String, in demo: DemoUpstreams) -> [String] {
        demo.config.accounts.filter { $0.provider == provider }.map(\.name)
    }

    func testEveryAccountButTheFlakyOneIsReadOverLoopback() async throws {
        let clock = TestClock()
        let demo = try startDemo(clock: clock)
        let providers = try providers(demo, clock: clock)
        XCTAssertGreaterThanOrEqual(accountNames(provider: "tencentcloud", in: demo).count, 5)
        XCTAssertGreaterThanOrEqual(accountNames(provider: "yeastar", in: demo).count, 1)
        XCTAssertEqual(accountNames(provider: "alibabacloud", in: demo), ["demo-alibaba-cn", "demo-alibaba-arrears"])
        XCTAssertEqual(accountNames(provider: "huaweicloud", in: demo), ["demo-huawei-cn", "demo-huawei-credit"])
        XCTAssertEqual(accountNames(provider: "volcengine", in: demo), ["demo-volc-prod", "demo-volc-arrears"])

        for account in demo.config.accounts where account.name != DemoTencentAccounts.flaky.name {
            let reading = try await fetch(providers[account.name], account.name)
            XCTAssertNotNil(reading.available, account.name)
            XCTAssertNotNil(reading.uin, account.name)
        }
    }

    func testFlakyAccountFailsEveryThirdFetchAndRecovers() async throws {
        let clock = TestClock()
        let demo = try startDemo(clock: clock)
        let flaky = try XCTUnwrap(try providers(demo, clock: clock)[DemoTencentAccounts.flaky.name])

        var outcomes: [FailureReason?] = []
        for _ in 0..<6 {
            do {
                let reading = try await flaky.fetchBalance()
                XCTAssertNotNil(reading.available)
                outcomes.append(nil)
            } catch {
                outcomes.append(error.reason)
            }
        }
        XCTAssertEqual(outcomes.map { $0 == nil }, [true, true, false, true, true, false], "\(outcomes)")
        // Both are transient: the engine retries them soon instead of backing off to the maximum.
        XCTAssertTrue(outcomes.compactMap { $0 }.allSatisfy { !$0.isPersistent }, "\(outcomes)")
        XCTAssertNotEqual(outcomes[2], outcomes[5], "an InternalError envelope, then an HTTP 503")
    }

    func testArrearsAccountOwesMoneyAndHasNoPositiveBalance() async throws {
        let clock = TestClock()
        let demo = try startDemo(clock: clock)
        let reading = try await fetch(try providers(demo, clock: clock)["demo-arrears"], "demo-arrears")

        let owed = try XCTUnwrap(values(reading, TencentMetrics.oweAmount).first)
        XCTAssertGreaterThan(owed, 0)
        XCTAssertLessThanOrEqual(try XCTUnwrap(reading.available), 0)
        XCTAssertEqual(values(reading, TencentMetrics.isAllowArrears), [1])
    }

    func testAlibabaAccountsReportEveryFieldTheirCurrencyAndTheirUIDAndOneIsInArrears() async throws {
        let clock = TestClock()
        let demo = try startDemo(clock: clock)
        let providers = try providers(demo, clock: clock)
        let healthy = try await fetch(providers[DemoAlibabaAccounts.healthy.name], DemoAlibabaAccounts.healthy.name)
        XCTAssertEqual(healthy.currency, "CNY")
        XCTAssertEqual(healthy.uin, DemoAlibabaAccounts.healthy.uid)
        XCTAssertEqual(healthy.available, 58_432.10, "sent as \"58,432.10\"")
        XCTAssertEqual(Set(healthy.fields.map(\.descriptor.name)), Set(AlibabaMetrics.fields.map(\.descriptor.name)))
        let arrears = try await fetch(providers[DemoAlibabaAccounts.arrears.name], DemoAlibabaAccounts.arrears.name)
        XCTAssertEqual(arrears.available, -86.45)
        XCTAssertEqual(arrears.uin, DemoAlibabaAccounts.arrears.uid)
    }

    /// Recharged at 20,000.00 CNY while spending 864.00 a day: never under
    /// the BalanceLow threshold, always over 17 days of spending left.
    func testTheHealthyAlibabaAccountNeverAlerts() {
        let perDay = 0.01 * Self.day
        for elapsed in stride(from: 0.0, through: 90 * Self.day, by: 3_600) {
            let text = DemoAlibabaAccounts.healthy.state(elapsed).availableAmount ?? ""
            let available = Double(text.replacingOccurrences(of: ",", with: "")) ?? 0
            XCTAssertGreaterThan(available / perDay, 17, "\(elapsed): \(text)")
        }
        XCTAssertEqual(DemoAlibabaCloud.amount(cents: -123_456_789), "-1,234,567.89")
        XCTAssertEqual(DemoAlibabaCloud.amount(cents: 5), "0.05")
    }

    func testHuaweiAccountsReportTheirCurrencyAndTheCreditOneOwesAGrowingDebt() async throws {
        let clock = TestClock()
        let demo = try startDemo(clock: clock)
        let providers = try providers(demo, clock: clock)
        let healthy = try await fetch(providers["demo-huawei-cn"], "demo-huawei-cn")
        XCTAssertEqual(healthy.currency, "CNY")
        XCTAssertEqual(healthy.uin, DemoHuaweiAccounts.healthy.domainId)
        XCTAssertEqual(values(healthy, HuaweiMetrics.debtAmount), [0])
        XCTAssertEqual(values(healthy, HuaweiMetrics.accountAmount).count, 3, "balance, bonus and deposit")

        let credit = try await fetch(providers["demo-huawei-credit"], "demo-huawei-credit")
        XCTAssertEqual(credit.currency, "USD")
        XCTAssertEqual(credit.uin, DemoHuaweiAccounts.credit.domainId, "the domain id from the simulated IAM")
        XCTAssertEqual(values(credit, HuaweiMetrics.accountCreditAmount), [5000])
        let debt = try XCTUnwrap(values(credit, HuaweiMetrics.debtAmount).first)
        XCTAssertGreaterThan(debt, 0, "BalanceOwed must fire")
        XCTAssertGreaterThan(credit.available, 0)
        clock.advance(by: 100)
        let later = try await fetch(providers["demo-huawei-credit"], "demo-huawei-credit")
        XCTAssertEqual(try XCTUnwrap(values(later, HuaweiMetrics.debtAmount).first), debt + 0.2, accuracy: 1e-9)
    }

    func testVolcengineAccountsSendEveryFieldAndTheArrearsOneOwes() async throws {
        let clock = TestClock()
        let demo = try startDemo(clock: clock)
        let providers = try providers(demo, clock: clock)
        let healthy = try await fetch(providers[DemoVolcengineAccounts.healthy.name], DemoVolcengineAccounts.healthy.name)
        let arrears = try await fetch(providers[DemoVolcengineAccounts.arrears.name], DemoVolcengineAccounts.arrears.name)

        let volcengine = [VolcengineMetrics.availableBalance, VolcengineMetrics.cashBalance, VolcengineMetrics.creditLimit,
                          VolcengineMetrics.arrearsBalance, VolcengineMetrics.freezeAmount]
        for reading in [healthy, arrears] {
            XCTAssertEqual(reading.fields.map(\.descriptor.name), volcengine.map(\.name))
            XCTAssertEqual(reading.currency, "CNY")
        }
        XCTAssertEqual(healthy.uin, "2100000101")
        XCTAssertEqual(values(healthy, VolcengineMetrics.arrearsBalance), [0])
        XCTAssertGreaterThan(healthy.available, 100)
        XCTAssertEqual(arrears.uin, "4200000000007")
        XCTAssertEqual(values(arrears, VolcengineMetrics.arrearsBalance), [-arrears.available])
        XCTAssertLessThan(arrears.available, 0)
    }

    func testLowBalanceAccountIsUnderTheAlertThresholdButPositive() async throws {
        let clock = TestClock()
        let demo = try startDemo(clock: clock)
        let low = try XCTUnwrap(try providers(demo, clock: clock)[DemoTencentAccounts.lowBalance.name])
        for _ in 0..<4 {
            let reading = try await low.fetchBalance()
            let available = try XCTUnwrap(reading.available)
            XCTAssertGreaterThan(available, 0)
            XCTAssertLessThan(available, 100, "BalanceLow (threshold 100) must fire")
            clock.advance(by: 617)
        }
    }

    func testTemporaryCreditEndsWithinThreeDaysAndIsDroppedOnceEnded() async throws {
        let clock = TestClock()
        let demo = try startDemo(clock: clock)
        let credit = try XCTUnwrap(try providers(demo, clock: clock)[DemoTencentAccounts.credit.name])

        let reading = try await credit.fetchBalance()
        let now = clock.now()
        let ends = values(reading, TencentMetrics.tempCreditEnd)
        XCTAssertEqual(ends.count, 2)
        XCTAssertTrue(ends.contains { $0 > now && $0 - now <= 3 * Self.day }, "one credit ends within 3 days: \(ends)")
        XCTAssertTrue(ends.contains { $0 - now > 3 * Self.day }, "one credit ends later: \(ends)")
        XCTAssertEqual(values(reading, TencentMetrics.tempCredit), [values(reading, TencentMetrics.tempCreditAmount).reduce(0, +)])
        XCTAssertGreaterThan(try XCTUnwrap(values(reading, TencentMetrics.creditAmount).first), 0)
        XCTAssertGreaterThan(try XCTUnwrap(values(reading, TencentMetrics.creditBalance).first), 0)

        clock.advance(by: 3 * Self.day)
        let later = try await credit.fetchBalance()
        XCTAssertEqual(values(later, TencentMetrics.tempCreditEnd).count, 1, "the ended credit is no longer listed")
        XCTAssertEqual(values(later, TencentMetrics.tempCredit), values(later, TencentMetrics.tempCreditAmount))
    }

    func testBalancesDropAsTimePasses() async throws {
        let clock = TestClock()
        let demo = try startDemo(clock: clock)
        let providers = try providers(demo, clock: clock)
        let names = demo.config.accounts.map(\.name).filter { $0 != DemoTencentAccounts.flaky.name }

        var before: [String: Double] = [:]
        for name in names { before[name] = try await fetch(providers[name], name).available }
        clock.advance(by: 60)
        for name in names {
            let reading = try await fetch(providers[name], name)
            let after = try XCTUnwrap(reading.available, name)
            XCTAssertLessThan(after, try XCTUnwrap(before[name], name), "\(name) did not drain in 60 s")
        }
        // Tokens live 60 s in the demo: the second round had to renew them.
        XCTAssertGreaterThanOrEqual((demo.handlers["yeastar"] as? DemoYeastar)?.simulator.counters.refreshes ?? 0, accountNames(provider: "yeastar", in: demo).count)
    }

    func testEveryTencentSeriesHasDataOnSomeAccount() async throws {
        let clock = TestClock()
        let demo = try startDemo(clock: clock)
        let providers = try providers(demo, clock: clock)
        var seen = Set<String>()
        for name in accountNames(provider: "tencentcloud", in: demo) where name != DemoTencentAccounts.flaky.name {
            seen.formUnion(try await fetch(providers[name], name).fields.map(\.descriptor.name))
        }
        let tencent: [MetricDescriptor] = [
            TencentMetrics.balance, TencentMetrics.realBalance, TencentMetrics.cashAccountBalance,
            TencentMetrics.incomeIntoAccountBalance, TencentMetrics.presentAccountBalance, TencentMetrics.freezeAmount,
            TencentMetrics.oweAmount, TencentMetrics.creditAmount, TencentMetrics.creditBalance,
            TencentMetrics.realCreditBalance, TencentMetrics.tempCredit, TencentMetrics.isAllowArrears,
            TencentMetrics.isCreditLimited, TencentMetrics.tempCreditAmount, TencentMetrics.tempCreditStart,
            TencentMetrics.tempCreditEnd,
        ]
        XCTAssertEqual(Set(tencent.map(\.name)).subtracting(seen), [])
    }

    func testConfigPointsAtTheLoopbackServersWithDefaultLimits() throws {
        let demo = try startDemo(clock: TestClock())
        let config = demo.config
        XCTAssertEqual(config.maxStale, 600)
        for schema in [TencentCloud.schema, Yeastar.schema, AlibabaCloud.schema, HuaweiCloud.schema, Volcengine.schema] {
            XCTAssertEqual(config.providerLimits[schema.name], schema.defaultLimits)
        }
        XCTAssertEqual(Set(config.accounts.map(\.name)).count, config.accounts.count, "account names are unique")
        for account in config.accounts {
            let url = try XCTUnwrap(URLComponents(string: account.endpoint), account.name)
            XCTAssertEqual(url.scheme, "http", account.name)
            XCTAssertEqual(url.host, "127.0.0.1", account.name)
            XCTAssertEqual(account.endpoint, demo.endpoints[account.provider])
            XCTAssertTrue((5...15).contains(account.refreshInterval), "\(account.name): \(account.refreshInterval)")
            // Alibaba Cloud and Huawei Cloud report the currency: the demo shows it filling balance_account_info{currency}.
            XCTAssertEqual(account.currency == nil, [AlibabaCloud.providerName, HuaweiCloud.providerName].contains(account.provider), account.name)
        }
        let currencies = Set(config.accounts.compactMap(\.currency))
        XCTAssertTrue(currencies.isSuperset(of: ["USD", "CNY"]), "\(currencies)")
    }

    func testStartWarnsThatEveryBalanceIsSimulated() throws {
        let lines = Mutex<[String]>([])
        let logger = Logger(level: .info, clock: TestClock(), sink: { line in lines.withLock { $0.append(line) } })
        let demo = try startDemo(clock: TestClock(), logger: logger)
        let warnings = lines.withLock { $0 }.filter { $0.contains("level=warn") }
        XCTAssertEqual(warnings.count, 1, "\(warnings)")
        let warning = try XCTUnwrap(warnings.first)
        XCTAssertTrue(warning.contains("simulated"), warning)
        for endpoint in demo.endpoints.values { XCTAssertTrue(warning.contains(endpoint), warning) }
    }

    func testStopClosesTheServers() async throws {
        let clock = TestClock()
        let demo = try DemoUpstreams.start(logger: .discard, clock: clock)
        let provider = try XCTUnwrap(try providers(demo, clock: clock)["demo-intl-prod"])
        _ = try await fetch(provider, "demo-intl-prod")
        demo.stop()
        demo.stop()
        do {
            _ = try await provider.fetchBalance()
            XCTFail("the server still answers after stop()")
        } catch {
            XCTAssertEqual(error.reason, .network, "\(error)")
        }
    }
}
