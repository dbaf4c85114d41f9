import BalanceCore
import BalanceHTTP
import BalanceSimulators
import BalanceSupport
import BalanceYeastar
import Synchronization

/// One simulated Yeastar Partner Portal client of `--demo`.
struct DemoYeastarAccount: Sendable {
    var name: String
    var currency: String
    var refreshInterval: Double
    var clientID: String
    var clientSecret: String
    var userID: Int64
    /// `accountBalance` in cents, `elapsed` seconds into the demo.
    var balanceCents: @Sendable (_ elapsed: Double) -> Int64
}

/// Both spend slowly and are recharged while over 17 days of spending are
/// left, so `BalancePredictedExhaustion` never fires for them.
enum DemoYeastarAccounts {
    static let all: [DemoYeastarAccount] = [
        DemoYeastarAccount(
            name: "demo-yeastar-eu", currency: "EUR", refreshInterval: 10,
            clientID: "demo-yeastar-eu-client", clientSecret: "demo-yeastar-eu-secret", userID: 100_042,
            // 6,752.40 EUR at 0.002 EUR/s (172.80 a day), recharged at 3,000.00.
            balanceCents: { DemoMotion.sawtooth(start: 675_240, perSecond: 0.2, floor: 300_000, elapsed: $0) }),
        DemoYeastarAccount(
            name: "demo-yeastar-us", currency: "USD", refreshInterval: 15,
            clientID: "demo-yeastar-us-client", clientSecret: "demo-yeastar-us-secret", userID: 100_043,
            // 18,205.00 USD at 0.005 USD/s (432.00 a day), recharged at 7,500.00.
            balanceCents: { DemoMotion.sawtooth(start: 1_820_500, perSecond: 0.5, floor: 750_000, elapsed: $0) }),
    ]

    /// Access tokens live 60 s instead of Yeastar's 30 minutes, so the demo
    /// shows token refreshes (the client renews at 80% of the lifetime).
    static let tokenLifetime = 60.0
}

/// The demo's Yeastar Partner Portal: a `YeastarSimulator` (real grants,
/// rotating refresh tokens) whose balances are re-derived from the clock on
/// every request, under one lock so time never runs backwards.
final class DemoYeastar: HTTPHandler {
    let simulator: YeastarSimulator
    private let accounts: [DemoYeastarAccount]
    private let clock: any WallClock
    private let start: Double
    private let lock = Mutex(())

    init(accounts: [DemoYeastarAccount], clock: any WallClock, start: Double) {
        self.accounts = accounts
        self.clock = clock
        self.start = start
        simulator = YeastarSimulator(clock: clock, options: .init(tokenLifetime: DemoYeastarAccounts.tokenLifetime))
        for account in accounts {
            simulator.addClient(id: account.clientID, secret: account.clientSecret, userID: account.userID,
                                balance: DemoMotion.majorUnits(cents: account.balanceCents(0)))
        }
    }

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        lock.withLock { _ in
            let elapsed = DemoMotion.elapsed(now: clock.now(), since: start)
            for account in accounts {
                simulator.setBalance(DemoMotion.majorUnits(cents: account.balanceCents(elapsed)), clientID: account.clientID)
            }
            return simulator.handle(request)
        }
    }
}

extension DemoYeastar {
    static func upstream(clock: any WallClock, start: Double) -> DemoUpstream {
        let accounts = DemoYeastarAccounts.all
        return DemoUpstream(provider: Yeastar.schema, handler: DemoYeastar(accounts: accounts, clock: clock, start: start)) { endpoint in
            accounts.map { account in
                AccountConfig(name: account.name, provider: Yeastar.schema.name, endpoint: endpoint,
                              currency: account.currency, refreshInterval: account.refreshInterval,
                              values: ["client_id": .string(account.clientID), "client_secret": .string(account.clientSecret)])
            }
        }
    }
}
