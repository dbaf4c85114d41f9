import BalanceCore
import BalanceHTTP
import BalanceSimulators
import BalanceSupport
import BalanceVolcengine
import Synchronization

/// One simulated Volcengine account of `--demo`.
struct DemoVolcengineAccount: Sendable {
    var name: String
    var currency: String
    var refreshInterval: Double
    var accessKey: String
    var secretKey: String
    /// What `QueryBalanceAcct` reports `elapsed` seconds into the demo.
    var state: @Sendable (_ elapsed: Double) -> VolcengineSimulator.Account
}

/// The demo's Volcengine accounts: one healthy, one in arrears. Between them
/// every `Result` field is sent, the account ID both as a JSON number and as
/// a string beyond 2^32.
enum DemoVolcengineAccounts {
    static let all: [DemoVolcengineAccount] = [healthy, arrears]

    /// 8,600.00 CNY spent at 0.003 CNY/s (259.20 a day), recharged at
    /// 4,500.00 (over 17 days of spending), so it raises no alert; 120.00 frozen.
    static let healthy = DemoVolcengineAccount(
        name: "demo-volc-prod", currency: "CNY", refreshInterval: 10,
        accessKey: "AKLTdemoVolcProd", secretKey: "demo-volc-prod-secret-key",
        state: { elapsed in
            let available = DemoMotion.sawtooth(start: 860_000, perSecond: 0.3, floor: 450_000, elapsed: elapsed)
            let frozen: Int64 = 12_000
            return VolcengineSimulator.Account(
                accountID: .number(2_100_000_101), availableBalance: amount(available), cashBalance: amount(available + frozen),
                creditLimit: amount(0), arrearsBalance: amount(0), freezeAmount: amount(frozen), currency: "CNY")
        })

    /// In arrears: `ArrearsBalance` grows by 0.01 CNY/s from 86.40 and the
    /// balances are its negative (`BalanceExhausted`, `BalanceOwed`, and the
    /// inhibited `BalanceLow`). It has a credit line and nothing frozen.
    static let arrears = DemoVolcengineAccount(
        name: "demo-volc-arrears", currency: "CNY", refreshInterval: 15,
        accessKey: "AKLTdemoVolcArrears", secretKey: "demo-volc-arrears-secret-key",
        state: { elapsed in
            let owed = DemoMotion.growing(start: 8_640, perSecond: 1, elapsed: elapsed)
            return VolcengineSimulator.Account(
                accountID: .string("4200000000007"), availableBalance: amount(-owed), cashBalance: amount(-owed),
                creditLimit: amount(50_000), arrearsBalance: amount(owed), freezeAmount: amount(0), currency: "CNY")
        })

    /// Cents as Volcengine's decimal string in major units: `"8600.00"`, `"-86.40"`.
    static func amount(_ cents: Int64) -> VolcengineSimulator.Value {
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return .string("\(cents < 0 ? "-" : "")\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)")
    }
}

/// The demo's Volcengine OpenAPI: a `VolcengineSimulator` (real signature
/// checks) whose accounts are re-derived from the clock on every request,
/// under one lock so time never runs backwards.
final class DemoVolcengine: HTTPHandler {
    let simulator: VolcengineSimulator
    private let accounts: [DemoVolcengineAccount]
    private let clock: any WallClock
    private let start: Double
    private let lock = Mutex(())

    init(accounts: [DemoVolcengineAccount], clock: any WallClock, start: Double) {
        self.accounts = accounts
        self.clock = clock
        self.start = start
        simulator = VolcengineSimulator(clock: clock)
        for account in accounts {
            simulator.addKey(accessKeyId: account.accessKey, secretAccessKey: account.secretKey, account: account.name)
            simulator.setAccount(account.name, account.state(0))
        }
    }

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        lock.withLock { _ in
            let elapsed = DemoMotion.elapsed(now: clock.now(), since: start)
            for account in accounts {
                simulator.setAccount(account.name, account.state(elapsed))
            }
            return simulator.handle(request)
        }
    }
}

extension DemoVolcengine {
    static func upstream(clock: any WallClock, start: Double) -> DemoUpstream {
        let accounts = DemoVolcengineAccounts.all
        return DemoUpstream(provider: Volcengine.schema, handler: DemoVolcengine(accounts: accounts, clock: clock, start: start)) { endpoint in
            accounts.map { account in
                AccountConfig(name: account.name, provider: Volcengine.schema.name, endpoint: endpoint,
                              currency: account.currency, refreshInterval: account.refreshInterval,
                              values: ["access_key": .string(account.accessKey), "secret_key": .string(account.secretKey)])
            }
        }
    }
}
