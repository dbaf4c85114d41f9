import BalanceTestSupport
import XCTest

final class TestClockTests: XCTestCase {
    func testSleepResumesOnlyAfterAdvance() async throws {
        let clock = TestClock(now: 100)
        let task = Task { try await clock.sleep(seconds: 5); return clock.now() }
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: 4)
        XCTAssertEqual(clock.sleeperCount, 1)
        clock.advance(by: 1)
        let woke = try await task.value
        XCTAssertEqual(woke, 105)
    }
}
