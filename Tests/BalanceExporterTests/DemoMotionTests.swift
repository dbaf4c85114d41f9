import BalanceTestSupport
import XCTest
@testable import BalanceExporter
@testable import BalanceSimulators
@testable import BalanceTencentCloud

/// The demo's pure core: how balances move, which requests fail, how times are written.
final class DemoMotionTests: XCTestCase {
    func testSawtoothDrainsThenTopsUpWithoutCrossingTheFloor() {
        XCTAssertEqual(DemoMotion.sawtooth(start: 9_800, perSecond: 5, floor: 500, elapsed: 0), 9_800)
        XCTAssertEqual(DemoMotion.sawtooth(start: 9_800, perSecond: 5, floor: 500, elapsed: 10), 9_750)
        // 9,300 cents drained in 1,860 s: recharged to the start.
        XCTAssertEqual(DemoMotion.sawtooth(start: 9_800, perSecond: 5, floor: 500, elapsed: 1_860), 9_800)
        XCTAssertEqual(DemoMotion.sawtooth(start: 9_800, perSecond: 5, floor: 500, elapsed: 1_870), 9_750)
        XCTAssertEqual(DemoMotion.sawtooth(start: 9_800, perSecond: 5, floor: 500, elapsed: -5), 9_800, "a clock set back")
    }

    func testLowBalanceAccountStaysBetweenZeroAndTheAlertThresholdForDays() {
        for elapsed in stride(from: 0.0, through: 3 * 86_400, by: 7.3) {
            let account = DemoTencentAccounts.lowBalance.state(1_800_000_000, elapsed)
            guard let real = account.realBalance else { return XCTFail("no RealBalance at \(elapsed) s") }
            XCTAssertTrue(real > 0 && real < 10_000, "\(real) cents at \(elapsed) s")
            XCTAssertGreaterThanOrEqual(account.cashAccountBalance ?? -1, 0, "cash at \(elapsed) s")
        }
    }

    func testFlakyScheduleFailsEveryThirdRequestAlternatingKinds() {
        let faults = (1...9).map { DemoFlakiness.fault(request: $0, every: 3) }
        XCTAssertEqual(faults.map { $0 == nil }, [true, true, false, true, true, false, true, true, false])
        guard case .error(code: "InternalError", message: _)? = faults[2] else { return XCTFail("\(String(describing: faults[2]))") }
        XCTAssertEqual(faults[5], .httpStatus(503))
        XCTAssertNil(DemoFlakiness.fault(request: 3, every: 0), "0 means never")
    }

    func testBeijingTimesAreWrittenAsTencentDoes() throws {
        let midnight = try XCTUnwrap(TencentCalendar.parseBeijingTime("2026-11-16 00:00:00"))
        XCTAssertEqual(SimulatedBeijingTime.zoneless(midnight), "2026-11-16 00:00:00")
        XCTAssertEqual(SimulatedBeijingTime.zoneless(midnight + 86_399), "2026-11-16 23:59:59")
        // 16:30 UTC on the 15th is 00:30 on the 16th in Beijing.
        XCTAssertEqual(SimulatedBeijingTime.startOfDay(midnight + 1_800), midnight)
        XCTAssertEqual(SimulatedBeijingTime.startOfDay(midnight - 1), midnight - 86_400)
    }

    func testTemporaryCreditsAreAnchoredToTheDemoStartAndVanishOnceEnded() throws {
        let start = 1_800_000_000.0
        let fresh = try XCTUnwrap(DemoTencentAccounts.credit.state(start, 0).tempAmounts)
        XCTAssertEqual(fresh.count, 2)
        let ends = try fresh.map { try XCTUnwrap(TencentCalendar.parseBeijingTime($0.endTime)) }
        XCTAssertEqual(ends.filter { Double($0) - start <= 3 * 86_400 }.count, 1)
        let soon = try XCTUnwrap(ends.min())
        let after = DemoTencentAccounts.credit.state(start, Double(soon) - start + 1)
        XCTAssertEqual(after.tempAmounts?.count, 1)
        XCTAssertEqual(after.tempCredit, after.tempAmounts?.first?.amountCents)
    }

    /// BalancePredictedExhaustion (dashboards/alerts.yml) fires when fewer
    /// than 7 days of spending are left at `balance:burn_rate_per_day:3d`:
    /// the balance's decreases from one whole hour of the clock to the next
    /// over 3 days (rises, the recharges, dropped), per day, spread over at
    /// least a day. Worked out the same way from the demo's motion, hour by
    /// hour through its first 20 days and for several positions of the clock's
    /// hours: only demo-cn-staging, the account the README names for it, is
    /// ever under a week, and it is from the first hour on.
    func testAtTheBurnRateOnlyTheLowBalanceAccountHasUnderAWeekLeft() throws {
        let start = 1_800_000_000.0
        var balances: [String: (Double) -> Double] = [:]
        for account in DemoTencentAccounts.all where account.name != DemoTencentAccounts.arrears.name {
            balances[account.name] = { DemoMotion.majorUnits(cents: account.state(start, $0).realBalance ?? 0) }
        }
        for account in DemoYeastarAccounts.all {
            balances[account.name] = { DemoMotion.majorUnits(cents: account.balanceCents($0)) }
        }
        for account in DemoVolcengineAccounts.all where account.name != DemoVolcengineAccounts.arrears.name {
            balances[account.name] = { elapsed in
                guard case .string(let text)? = account.state(elapsed).availableBalance else { return 0 }
                return Double(text) ?? 0
            }
        }
        let hour = 3_600.0
        for (name, balance) in balances.sorted(by: { $0.key < $1.key }) {
            var fewest = Double.infinity, most = 0.0
            for phase in stride(from: 0.0, to: hour, by: 600) {
                var decreases: [Double] = []
                for step in 1...(20 * 24) {
                    let now = phase + Double(step) * hour
                    decreases.append(max(balance(now - hour) - balance(now), 0))
                    let window = decreases.suffix(72)
                    let perDay = 24 * window.reduce(0, +) / Double(max(window.count, 24))
                    let daysLeft = perDay > 0 ? balance(now) / perDay : .infinity
                    fewest = min(fewest, daysLeft)
                    most = max(most, daysLeft)
                }
            }
            if name == DemoTencentAccounts.lowBalance.name {
                XCTAssertLessThan(most, 7, "\(name): up to \(most) days left")
            } else {
                XCTAssertGreaterThan(fewest, 7, "\(name): down to \(fewest) days left")
            }
        }
    }

    func testVolcengineAmountsAreWrittenAsDecimalStringsInMajorUnits() {
        XCTAssertEqual(DemoVolcengineAccounts.amount(860_000), .string("8600.00"))
        XCTAssertEqual(DemoVolcengineAccounts.amount(-8_640), .string("-86.40"))
        XCTAssertEqual(DemoVolcengineAccounts.amount(5), .string("0.05"))
        XCTAssertEqual(DemoVolcengineAccounts.amount(-5), .string("-0.05"))
        XCTAssertEqual(DemoVolcengineAccounts.amount(0), .string("0.00"))
    }
}
