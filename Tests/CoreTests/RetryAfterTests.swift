import BalanceTestSupport
import XCTest
@testable import BalanceCore

/// `Retry-After` in both of its forms (RFC 9110 §10.2.3) and all three HTTP-date formats (§5.6.7).
final class RetryAfterTests: XCTestCase {
    /// 1994-11-06T08:49:37Z, the RFC's example date.
    let example = 784_111_777.0

    func testDelaySeconds() {
        XCTAssertEqual(RetryAfter.seconds("120", now: 0), 120)
        XCTAssertEqual(RetryAfter.seconds(" 0 ", now: 0), 0)
        XCTAssertEqual(RetryAfter.seconds("99999999999999999999999", now: 0), 1e23, "beyond Int: very long, capped by the engine")
    }

    func testTheThreeHTTPDateFormats() {
        for text in ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"] {
            XCTAssertEqual(RetryAfter.seconds(text, now: example - 90), 90, text)
            XCTAssertEqual(RetryAfter.seconds(text, now: example + 5), 0, "\(text) in the past: retry now")
        }
    }

    func testATwoDigitYearMoreThanFiftyYearsAheadIsInThePastCentury() {
        let now = 1_800_000_000.0  // 2027-01-15
        XCTAssertEqual(RetryAfter.httpDate("Sunday, 06-Nov-94 08:49:37 GMT", now: now), example)
        XCTAssertEqual(RetryAfter.httpDate("Friday, 06-Nov-76 08:49:37 GMT", now: now), 3_371_878_177, "2076 is within 50 years")
    }

    func testAnythingElseIsNoDelay() {
        for text in [nil, "", "soon", "-5", "1.5", "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 32 Nov 1994 08:49:37 GMT",
                     "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 PST", "Sun Nov 6 08:49 1994"] as [String?] {
            XCTAssertNil(RetryAfter.seconds(text, now: example), String(describing: text))
        }
    }
}
