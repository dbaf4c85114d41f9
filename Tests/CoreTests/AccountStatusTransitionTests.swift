import XCTest
@testable import BalanceCore

/// The refresh engine's state transition as a pure function of the old
/// status, the result and the time: no engine, no thread, no clock.
final class AccountStatusTransitionTests: XCTestCase {
    private let descriptor = MetricDescriptor(name: "balance_test_amount", type: .gauge, help: "Test.")
    private let maxStale = 600.0

    func testASuccessExportsTheReadingAndResetsTheFailures() {
        var old = AccountStatus()
        old = old.failed(ProviderError(.network, message: "down"), started: 0, finished: 1, delay: { _ in 5 })
        XCTAssertEqual(old.consecutiveFailures, 1)
        let reading = BalanceReading(uin: "42", available: 12.5, fields: [FieldSample(descriptor, 12.5)], dropped: 2)
        let new = old.succeeded(reading, started: 10, finished: 10.25)
        XCTAssertEqual(new.up, true)
        XCTAssertEqual(new.reading, reading)
        XCTAssertEqual(new.uin, "42")
        XCTAssertEqual(new.lastSuccess, 10.25)
        XCTAssertEqual(new.lastDuration, 0.25)
        XCTAssertEqual(new.requests, 2)
        XCTAssertEqual(new.errors, [.network: 1], "the error count is a counter: it stays")
        XCTAssertEqual(new.consecutiveFailures, 0)
        XCTAssertNil(new.lastError)
        XCTAssertEqual(new.droppedValues, 2)
        XCTAssertEqual(new.dueTime(refreshInterval: 60), 70.25, "next refresh one interval after the success")
    }

    func testFailuresKeepTheLastGoodValuesUntilMaxStaleAndBackOff() {
        let reading = BalanceReading(available: 3, fields: [])
        let good = AccountStatus().succeeded(reading, started: 0, finished: 100)
        var failures: [Int] = []
        let once = good.failed(ProviderError(.throttled, message: "slow down"), started: 160, finished: 161) { n in
            failures.append(n)
            return 30
        }
        let twice = once.failed(ProviderError(.timeout, message: "slow"), started: 191, finished: 200) { n in
            failures.append(n)
            return 45
        }
        XCTAssertEqual(failures, [1, 2], "the backoff sees the consecutive failures")
        XCTAssertEqual(twice.up, false)
        XCTAssertEqual(twice.errors, [.throttled: 1, .timeout: 1])
        XCTAssertEqual(twice.lastError?.reason, .timeout)
        XCTAssertEqual(twice.dueTime(refreshInterval: 60), 245)
        XCTAssertEqual(twice.reading, reading, "the last good values are kept")
        XCTAssertEqual(twice.exportedUntil(maxStale: maxStale), 700)
        XCTAssertTrue(twice.isFresh(now: 700, maxStale: maxStale))
        XCTAssertFalse(twice.isFresh(now: 700.001, maxStale: maxStale), "past max_stale the balance series go")
        XCTAssertEqual(good.exportedUntil(maxStale: maxStale), .infinity, "an account that is up never goes stale")
        XCTAssertNil(AccountStatus().exportedUntil(maxStale: maxStale), "nothing to export before a success")
    }
}
