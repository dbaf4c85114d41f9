import BalanceCore
import BalanceHTTP
import BalanceSimulators
import BalanceSupport
import BalanceTencentCloud
import Synchronization

/// The demo's Tencent Cloud billing API: a `TencentCloudSimulator` (real TC3
/// verification, Tencent's envelopes) whose accounts are re-derived from the
/// clock on every request (`DemoTencentAccount.state`), and whose flaky
/// accounts fail on schedule (`DemoFlakiness`).
///
/// Each request is answered under one lock: updating the accounts, choosing a
/// fault and answering happen together, so concurrent requests never see time
/// run backwards and a scripted fault always hits the request it was meant for.
final class DemoTencentBilling: HTTPHandler {
    let simulator: TencentCloudSimulator
    private let accounts: [DemoTencentAccount]
    private let clock: any WallClock
    private let start: Double
    /// Requests received per secret ID, for the flaky schedule.
    private let requestCounts = Mutex<[String: Int]>([:])

    init(accounts: [DemoTencentAccount], clock: any WallClock, start: Double) {
        self.accounts = accounts
        self.clock = clock
        self.start = start
        simulator = TencentCloudSimulator(clock: clock)
        for account in accounts {
            simulator.addCredential(secretId: account.secretId, secretKey: account.secretKey, account: account.name)
            simulator.setAccount(account.name, account.state(start, 0))
        }
    }

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        requestCounts.withLock { counts in
            let elapsed = DemoMotion.elapsed(now: clock.now(), since: start)
            for account in accounts {
                simulator.setAccount(account.name, account.state(start, elapsed))
            }
            if let secretId = request.headers["Authorization"].flatMap(SimulatedTencentSignature.parse)?.secretId,
               let account = accounts.first(where: { $0.secretId == secretId }), account.failEvery > 0 {
                let number = counts[secretId, default: 0] + 1
                counts[secretId] = number
                if let fault = DemoFlakiness.fault(request: number, every: account.failEvery) {
                    simulator.enqueueFaults([fault])
                }
            }
            return simulator.handle(request)
        }
    }
}

extension DemoTencentBilling {
    static func upstream(clock: any WallClock, start: Double) -> DemoUpstream {
        let accounts = DemoTencentAccounts.all
        return DemoUpstream(provider: TencentCloud.schema, handler: DemoTencentBilling(accounts: accounts, clock: clock, start: start)) { endpoint in
            accounts.map { account in
                var values: [String: ConfigValue] = ["secret_id": .string(account.secretId), "secret_key": .string(account.secretKey)]
                if account.tempCredit { values["temp_credit"] = .bool(true) }
                return AccountConfig(name: account.name, provider: TencentCloud.schema.name, endpoint: endpoint,
                                     currency: account.currency, refreshInterval: account.refreshInterval, values: values)
            }
        }
    }
}
