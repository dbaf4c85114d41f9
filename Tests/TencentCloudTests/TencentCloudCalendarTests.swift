import BalanceTestSupport
import XCTest
@testable import BalanceTencentCloud

final class TencentCloudCalendarTests: XCTestCase {
    func testUTCDateAroundMidnightAndLeapDays() {
        XCTAssertEqual(TencentCalendar.utcDate(0), "1970-01-01")
        XCTAssertEqual(TencentCalendar.utcDate(1767225599), "2025-12-31")
        XCTAssertEqual(TencentCalendar.utcDate(1767225600), "2026-01-01")
        XCTAssertEqual(TencentCalendar.utcDate(951782400), "2000-02-29")
        XCTAssertEqual(TencentCalendar.utcDate(-1), "1969-12-31")
    }

    /// `2026-11-16 00:00:00` Beijing time is 2026-11-15T16:00:00Z = 1794758400.
    func testZonelessTimesAreReadAsBeijingTime() {
        XCTAssertEqual(TencentCalendar.parseBeijingTime("2026-11-16 00:00:00"), 1794758400)
        XCTAssertEqual(TencentCalendar.parseBeijingTime("2026-11-16T00:00:00"), 1794758400)
        XCTAssertEqual(TencentCalendar.parseBeijingTime("1970-01-01 08:00:00"), 0)
        XCTAssertEqual(TencentCalendar.parseBeijingTime("2024-02-29 23:59:59"), 1709222399)
    }

    func testMalformedTimesAreRejected() {
        for text in ["", "2026-11-16", "2026-13-01 00:00:00", "2025-02-29 00:00:00", "2026-11-16 24:00:00",
                     "2026/11/16 00:00:00", "2026-11-16 00:00:0x", "０２０２-11-16 00:00:00", "2026-11-16 00:00:00Z"] {
            XCTAssertNil(TencentCalendar.parseBeijingTime(text), text)
        }
    }

    func testRFC3339InBeijingTime() {
        XCTAssertEqual(TencentCalendar.rfc3339Beijing(1794758400), "2026-11-16T00:00:00+08:00")
        XCTAssertEqual(TencentCalendar.rfc3339Beijing(1794758400 + 3600 * 15 + 61), "2026-11-16T15:01:01+08:00")
        XCTAssertEqual(TencentCalendar.rfc3339Beijing(1794758400 + 3600 * 24), "2026-11-17T00:00:00+08:00")
    }
}
