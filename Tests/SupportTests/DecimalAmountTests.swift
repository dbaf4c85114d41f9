import BalanceTestSupport
import XCTest
@testable import BalanceSupport

final class DecimalAmountTests: XCTestCase {
    func testAmountsAreReadExactlyWithSeparatorsAndSigns() {
        let cases: [(String, Double)] = [
            ("10000.00", 10000), ("-11.19", -11.19), ("1,234.56", 1234.56), ("1,234,567.89", 1234567.89),
            ("+5", 5), (" 0.10 ", 0.1), ("007.5", 7.5), ("-0.00", 0), ("123", 123),
            ("9007199254740993.01", 9007199254740993.01),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(DecimalAmount.parse(text)?.double, expected, text)
        }
        // Exactly the literal's Double, never a product of binary arithmetic.
        XCTAssertEqual(DecimalAmount.parse("0.3")?.double, 0.3)
        XCTAssertEqual(DecimalAmount.parse("1,000,000.07")?.literal, "1000000.07")
    }

    func testWhatIsNotAnAmountIsRefused() {
        for text in ["", " ", ".", "-", "1.", ".5", "1,23", "12,3456", ",123", "1,,234", "1.2.3", "12 CNY", "0x10",
                     "NaN", "Infinity", "1e5", "--1", "1,234.5,6", "１２"] {
            XCTAssertNil(DecimalAmount.parse(text), text)
        }
    }
}
