import BalanceCore
import BalanceHTTP
import BalanceHuaweiCloud
import BalanceSimulators
import BalanceSupport
import Synchronization

/// One simulated Huawei Cloud account (domain) of `--demo`.
struct DemoHuaweiAccount: Sendable {
    var name: String
    var refreshInterval: Double
    var accessKey: String
    var secretKey: String
    var domainId: String
    /// Configured as `domain_id`; false: the exporter asks IAM for it.
    var configuresDomainId: Bool
    /// What `ShowCustomerAccountBalances` reports `elapsed` seconds into the demo.
    var state: @Sendable (_ elapsed: Double) -> HuaweiSimulatorAccount
}

/// Neither configures a currency: the one Huawei reports fills
/// `balance_account_info{currency}`. Both spend slowly and are recharged
/// while over 17 days of spending are left, so `BalancePredictedExhaustion`
/// never fires for them.
enum DemoHuaweiAccounts {
    static let all = [healthy, credit]

    /// China site, CNY: cash with earmarked funds, a bonus and a deposit;
    /// configures its domain id. 8,640.00 CNY at 0.003 CNY/s (259.20 a day),
    /// recharged at 5,000.00.
    static let healthy = DemoHuaweiAccount(
        name: "demo-huawei-cn", refreshInterval: 10, accessKey: "HPUADEMOHUAWEICN", secretKey: "demo-huawei-cn-secret-key",
        domainId: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", configuresDomainId: true,
        state: { elapsed in
            let cash = DemoMotion.sawtooth(start: 864_000, perSecond: 0.3, floor: 500_000, elapsed: elapsed)
            return HuaweiSimulatorAccount(name: "demo-huawei-cn", entries: [
                .init(accountType: 1, amount: DemoHuaweiAccounts.amount(cents: cash), designatedAmount: "120.00"),
                .init(accountType: 5, amount: "35.50"),
                .init(accountType: 7, amount: "2000.00"),
            ], debtAmount: "0")
        })

    /// International site's currency (USD), on a credit line (5,000 USD) and
    /// owing an unpaid bill that grows by 0.002 USD/s from 86.40, so
    /// `BalanceOwed` fires for it; its domain id comes from IAM. 3,456.00 USD
    /// of cash at 0.001 USD/s (86.40 a day), recharged at 2,000.00.
    static let credit = DemoHuaweiAccount(
        name: "demo-huawei-credit", refreshInterval: 15, accessKey: "HPUADEMOHUAWEICREDIT", secretKey: "demo-huawei-credit-secret-key",
        domainId: "f9e8d7c6b5a4938271605f4e3d2c1b0a", configuresDomainId: false,
        state: { elapsed in
            let cash = DemoMotion.sawtooth(start: 345_600, perSecond: 0.1, floor: 200_000, elapsed: elapsed)
            let debt = DemoMotion.growing(start: 8_640, perSecond: 0.2, elapsed: elapsed)
            return HuaweiSimulatorAccount(name: "demo-huawei-credit", entries: [
                .init(accountType: 1, amount: DemoHuaweiAccounts.amount(cents: cash), currency: "USD"),
                .init(accountType: 2, amount: "5000.00", creditAmount: "5000.00", currency: "USD"),
            ], debtAmount: DemoHuaweiAccounts.amount(cents: debt), currency: "USD")
        })

    /// Cents as the decimal JSON number Huawei sends: `1234.56`, `-0.05`.
    static func amount(cents: Int64) -> String {
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return (cents < 0 ? "-" : "") + "\(magnitude / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }
}

/// The demo's Huawei Cloud: a `HuaweiSimulator` (its own SDK-HMAC-SHA256
/// check, the gateway's envelopes, IAM's domain list) serving both BSS and
/// IAM, whose accounts are re-derived from the clock on every request, under
/// one lock so time never runs backwards.
final class DemoHuaweiCloud: HTTPHandler {
    let simulator: HuaweiSimulator
    private let accounts: [DemoHuaweiAccount]
    private let clock: any WallClock
    private let start: Double
    private let lock = Mutex(())

    init(accounts: [DemoHuaweiAccount], clock: any WallClock, start: Double) {
        self.accounts = accounts
        self.clock = clock
        self.start = start
        simulator = HuaweiSimulator(clock: clock)
        for account in accounts {
            simulator.addKey(accessKey: account.accessKey, secretKey: account.secretKey, domainId: account.domainId)
            simulator.setAccount(domainId: account.domainId, account.state(0))
        }
    }

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        lock.withLock { _ in
            let elapsed = DemoMotion.elapsed(now: clock.now(), since: start)
            for account in accounts {
                simulator.setAccount(domainId: account.domainId, account.state(elapsed))
            }
            return simulator.handle(request)
        }
    }
}

extension DemoHuaweiCloud {
    static func upstream(clock: any WallClock, start: Double) -> DemoUpstream {
        let accounts = DemoHuaweiAccounts.all
        return DemoUpstream(provider: HuaweiCloud.schema, handler: DemoHuaweiCloud(accounts: accounts, clock: clock, start: start)) { endpoint in
            accounts.map { account in
                var values: [String: ConfigValue] = ["access_key": .string(account.accessKey), "secret_key": .string(account.secretKey),
                                                     "iam_endpoint": .string(endpoint)]
                if account.configuresDomainId { values["domain_id"] = .string(account.domainId) }
                return AccountConfig(name: account.name, provider: HuaweiCloud.schema.name, endpoint: endpoint,
                                     refreshInterval: account.refreshInterval, values: values)
            }
        }
    }
}
