import BalanceCore
import BalanceHTTP
import BalanceSimulators
import BalanceSupport

/// One simulated Tencent Cloud account of `--demo`: how the exporter is
/// configured for it and what the simulated billing API answers for it.
struct DemoTencentAccount: Sendable {
    var name: String
    var currency: String
    /// Seconds: short, so a newcomer sees values move.
    var refreshInterval: Double
    var secretId: String
    var secretKey: String
    /// Asks for `TempCredit` and `TempAmountInfoList` (`temp_credit: true`).
    var tempCredit: Bool
    /// Every `failEvery`-th request to this account fails (see `DemoFlakiness`); 0: never.
    var failEvery: Int
    /// What `DescribeAccountBalance` reports for the demo started at Unix
    /// time `start`, `elapsed` seconds later. Amounts in cents, as Tencent sends them.
    var state: @Sendable (_ start: Double, _ elapsed: Double) -> SimulatedTencentAccount
}

/// The demo's Tencent accounts. Between them every documented
/// `DescribeAccountBalance` field (https://www.tencentcloud.com/document/product/555/50284) is sent, so every
/// `Catalog.tencent*` series and dashboard panel has data.
enum DemoTencentAccounts {
    static let all: [DemoTencentAccount] = [healthy, lowBalance, credit, arrears, flaky]

    /// International site, every field but the temporary credits; drains slowly
    /// (0.004 USD/s, 345.60 a day, from 12,845.37; recharged at 6,000.00, over
    /// 17 days of spending, so `BalancePredictedExhaustion` never fires for it).
    static let healthy = DemoTencentAccount(
        name: "demo-intl-prod", currency: "USD", refreshInterval: 15,
        secretId: "AKIDdemoIntlProd", secretKey: "demo-intl-prod-secret-key", tempCredit: false, failEvery: 0,
        state: { _, elapsed in
            let real = DemoMotion.sawtooth(start: 1_284_537, perSecond: 0.4, floor: 600_000, elapsed: elapsed)
            return SimulatedTencentAccount(
                uin: .number(200_000_000_001), balance: real, realBalance: real, cashAccountBalance: real,
                incomeIntoAccountBalance: 0, presentAccountBalance: 0, freezeAmount: 2_500, oweAmount: 0,
                isAllowArrears: false, isCreditLimited: false, creditAmount: 0, creditBalance: 0, realCreditBalance: 0)
        })

    /// China site (CNY): always between 5 and 98 yuan, so `BalanceLow`
    /// (threshold 100) fires; drains fast (0.005 CNY/s, 432 a day: never more
    /// than 6 hours of spending left, so `BalancePredictedExhaustion` fires, for
    /// this account only) and is "recharged" to 98.00 whenever it would drop
    /// under 5.00, every 5 h 10 min: several hours, so that the burn rate's
    /// hour-to-hour differences see the spending rather than the recharges
    /// (with a cycle shorter than an hour they would alias). The China site
    /// fills the cash / income / gift split the international one leaves at 0.
    static let lowBalance = DemoTencentAccount(
        name: "demo-cn-staging", currency: "CNY", refreshInterval: 5,
        secretId: "AKIDdemoCnStaging", secretKey: "demo-cn-staging-secret-key", tempCredit: false, failEvery: 0,
        state: { _, elapsed in
            let real = DemoMotion.sawtooth(start: 9_800, perSecond: 0.5, floor: 500, elapsed: elapsed)
            let present: Int64 = 300, income: Int64 = 200
            return SimulatedTencentAccount(
                uin: .number(200_000_000_002), balance: real, realBalance: real, cashAccountBalance: real - present - income,
                incomeIntoAccountBalance: income, presentAccountBalance: present, freezeAmount: 0, oweAmount: 0,
                isAllowArrears: false, isCreditLimited: false)
        })

    static let creditUin = "200000000003"

    /// 2,450.00 USD spent at 0.001 USD/s (86.40 a day; recharged at 1,500.00,
    /// over 17 days of spending), a credit line (5,000 USD, being consumed) and
    /// two temporary credits:
    /// one ending at 23:59:59 Beijing time two days after the demo's start day
    /// (under 3 days away, so the expiry alert fires), one 48 days out. A
    /// credit is no longer listed once it has ended.
    static let credit = DemoTencentAccount(
        name: "demo-credit", currency: "USD", refreshInterval: 10,
        secretId: "AKIDdemoCredit", secretKey: "demo-credit-secret-key", tempCredit: true, failEvery: 0,
        state: { start, elapsed in
            let now = DemoMotion.wholeSeconds(start + elapsed)
            let day = SimulatedBeijingTime.day
            let firstDay = SimulatedBeijingTime.startOfDay(DemoMotion.wholeSeconds(start))
            let credits: [(amount: Int64, start: Int, end: Int)] = [
                (80_000, firstDay - 27 * day, firstDay + 3 * day - 1),
                (150_000, firstDay - 3 * day, firstDay + 48 * day - 1),
            ]
            let active = credits.filter { $0.end > now }
            let real = DemoMotion.sawtooth(start: 245_000, perSecond: 0.1, floor: 150_000, elapsed: elapsed)
            let creditAmount: Int64 = 500_000
            let creditBalance = DemoMotion.sawtooth(start: 376_600, perSecond: 2, floor: 20_000, elapsed: elapsed)
            return SimulatedTencentAccount(
                uin: .number(200_000_000_003), balance: real, realBalance: real, cashAccountBalance: real,
                freezeAmount: 12_000, oweAmount: 0, isAllowArrears: true, isCreditLimited: true,
                creditAmount: creditAmount, creditBalance: creditBalance, realCreditBalance: creditBalance - 12_000,
                tempCredit: active.reduce(0) { $0 + $1.amount },
                tempAmounts: active.map {
                    .init(uin: creditUin, amountCents: $0.amount,
                          startTime: SimulatedBeijingTime.zoneless($0.start), endTime: SimulatedBeijingTime.zoneless($0.end))
                })
        })

    /// In arrears: `OweAmount` grows by 0.01 USD/s from 312.50 and the
    /// balances are its negative. Income and gift accounts are absent, as the
    /// international site may leave them: absent fields give no series.
    static let arrears = DemoTencentAccount(
        name: "demo-arrears", currency: "USD", refreshInterval: 10,
        secretId: "AKIDdemoArrears", secretKey: "demo-arrears-secret-key", tempCredit: false, failEvery: 0,
        state: { _, elapsed in
            let owed = DemoMotion.growing(start: 31_250, perSecond: 1, elapsed: elapsed)
            return SimulatedTencentAccount(
                uin: .number(200_000_000_004), balance: -owed, realBalance: -owed, cashAccountBalance: -owed,
                freezeAmount: 0, oweAmount: owed, isAllowArrears: true, isCreditLimited: false,
                creditAmount: 0, creditBalance: 0, realCreditBalance: 0)
        })

    /// A healthy account behind an unreliable upstream: every third request
    /// fails (see `DemoFlakiness`), so `balance_up` flips and
    /// `balance_upstream_errors_total` grows. 5,310.00 USD spent at 0.002 USD/s
    /// (172.80 a day; recharged at 3,000.00, over 17 days of spending).
    static let flaky = DemoTencentAccount(
        name: "demo-flaky", currency: "USD", refreshInterval: 5,
        secretId: "AKIDdemoFlaky", secretKey: "demo-flaky-secret-key", tempCredit: false, failEvery: 3,
        state: { _, elapsed in
            let real = DemoMotion.sawtooth(start: 531_000, perSecond: 0.2, floor: 300_000, elapsed: elapsed)
            return SimulatedTencentAccount(
                uin: .number(200_000_000_005), balance: real, realBalance: real, cashAccountBalance: real,
                freezeAmount: 0, oweAmount: 0, isAllowArrears: false, isCreditLimited: false)
        })
}

/// Which requests of a flaky account fail, and how: pure, by the request's
/// 1-based number for that account.
enum DemoFlakiness {
    /// Every `every`-th request fails, alternating between the two kinds of
    /// transient failure Tencent documents (https://www.tencentcloud.com/document/product/555/50284): an
    /// `InternalError` envelope with HTTP 200, then a gateway's HTTP 503.
    static func fault(request number: Int, every: Int) -> SimulatedTencentFault? {
        guard every > 0, number > 0, number % every == 0 else { return nil }
        if (number / every) % 2 == 1 {
            return .error(code: "InternalError", message: "An internal error has occurred. Retry your request (simulated by --demo).")
        }
        return .httpStatus(503)
    }
}
