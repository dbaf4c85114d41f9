import BalanceAlibabaCloud
import BalanceCore
import BalanceHTTP
import BalanceSimulators
import BalanceSupport
import Synchronization

/// One simulated Alibaba Cloud account of `--demo`. No currency is
/// configured: `balance_account_info{currency}` shows the `Currency` the
/// simulated answer reports.
struct DemoAlibabaAccount: Sendable {
    var name: String
    var refreshInterval: Double
    var accessKeyId: String
    var accessKeySecret: String
    /// The main account's UID, learned through `GetCallerIdentity`.
    var uid: String
    /// What `QueryAccountBalance` reports `elapsed` seconds into the demo.
    var state: @Sendable (_ elapsed: Double) -> AlibabaSimulatorAccount
}

enum DemoAlibabaAccounts {
    static let all: [DemoAlibabaAccount] = [healthy, arrears]

    /// China site, every `Data` field, amounts with thousands separators as
    /// some answers carry them: 58,432.10 CNY spent at 0.01 CNY/s (864.00 a
    /// day), recharged at 20,000.00 (over 23 days of spending, so
    /// `BalancePredictedExhaustion` never fires for it).
    static let healthy = DemoAlibabaAccount(
        name: "demo-alibaba-cn", refreshInterval: 10, accessKeyId: "LTAI5tDemoAlibabaCn", accessKeySecret: "demo-alibaba-cn-secret",
        uid: "1500000000000001",
        state: { elapsed in
            let available = DemoMotion.sawtooth(start: 5_843_210, perSecond: 1, floor: 2_000_000, elapsed: elapsed)
            return AlibabaSimulatorAccount(
                availableAmount: DemoAlibabaCloud.amount(cents: available), availableCashAmount: DemoAlibabaCloud.amount(cents: available - 500_000),
                creditAmount: "5,000.00", mybankCreditAmount: "0.00", quotaLimit: "100,000.00", currency: "CNY")
        })

    /// In arrears: `AvailableAmount` is negative, from -86.45 CNY, 0.005 CNY/s
    /// further down (`BalanceExhausted` and `BalanceOwed` fire for it).
    static let arrears = DemoAlibabaAccount(
        name: "demo-alibaba-arrears", refreshInterval: 10, accessKeyId: "LTAI5tDemoAlibabaArrears",
        accessKeySecret: "demo-alibaba-arrears-secret", uid: "1500000000000002",
        state: { elapsed in
            let owed = DemoMotion.growing(start: 8_645, perSecond: 0.5, elapsed: elapsed)
            return AlibabaSimulatorAccount(availableAmount: DemoAlibabaCloud.amount(cents: -owed),
                                           availableCashAmount: DemoAlibabaCloud.amount(cents: -owed), creditAmount: "0.00", currency: "CNY")
        })
}

/// The demo's Alibaba Cloud gateway, BSS and STS in one: an
/// `AlibabaSimulator` (its own ACS3-HMAC-SHA256 verification, nonces, the
/// gateway's envelopes) whose accounts are re-derived from the clock on every
/// request, under one lock so time never runs backwards.
final class DemoAlibabaCloud: HTTPHandler {
    let simulator: AlibabaSimulator
    private let accounts: [DemoAlibabaAccount]
    private let clock: any WallClock
    private let start: Double
    private let lock = Mutex(())

    init(accounts: [DemoAlibabaAccount], clock: any WallClock, start: Double) {
        self.accounts = accounts
        self.clock = clock
        self.start = start
        simulator = AlibabaSimulator(clock: clock)
        for account in accounts {
            simulator.addKey(id: account.accessKeyId, secret: account.accessKeySecret, account: account.uid)
            simulator.setAccount(account.uid, account.state(0))
        }
    }

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        lock.withLock { _ in
            let elapsed = DemoMotion.elapsed(now: clock.now(), since: start)
            for account in accounts { simulator.setAccount(account.uid, account.state(elapsed)) }
            return simulator.handle(request)
        }
    }

    /// Cents as the decimal text Alibaba Cloud sends, with thousands
    /// separators: `-1,234.56`.
    static func amount(cents: Int64) -> String {
        let magnitude = cents.magnitude
        var whole = String(magnitude / 100)
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole.removeLast(3)
        }
        let fraction = magnitude % 100
        return (cents < 0 ? "-" : "") + whole + grouped + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }
}

extension DemoAlibabaCloud {
    static func upstream(clock: any WallClock, start: Double) -> DemoUpstream {
        let accounts = DemoAlibabaAccounts.all
        return DemoUpstream(provider: AlibabaCloud.schema, handler: DemoAlibabaCloud(accounts: accounts, clock: clock, start: start)) { endpoint in
            accounts.map { account in
                // One simulator stands in for both hosts: STS (the uin) is the same endpoint.
                AccountConfig(name: account.name, provider: AlibabaCloud.schema.name, endpoint: endpoint,
                              refreshInterval: account.refreshInterval,
                              values: ["access_key_id": .string(account.accessKeyId), "access_key_secret": .string(account.accessKeySecret),
                                       "sts_endpoint": .string(endpoint)])
            }
        }
    }
}
