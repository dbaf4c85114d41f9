import XCTest
@testable import BalanceExporter

final class TencentCloudJSONTests: XCTestCase {
    private func parse(_ text: String) -> TencentJSON? { TencentJSON.parse(Array(text.utf8)) }

    func testValuesKeepNumberTextAndDistinguishBooleans() {
        XCTAssertEqual(parse(#" {"a": [1, -2.5e3, true, false, null, "x\"\u00e9\ud83d\ude00"]} "#),
                       .object(["a": .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null, .string("x\"é😀")])]))
    }

    func testMalformedInputIsRejected() {
        for text in ["", "{", "{\"a\":}", "[1,]", "01", "1.", "-", "\"abc", "tru", "{} x", "\"\\ud800\"", "\"a\u{01}\"", "{\"a\" 1}"] {
            XCTAssertNil(parse(text), text)
        }
    }

    func testQuoteRoundTrips() {
        let text = "a\"b\\c\nd\u{01}é"
        XCTAssertEqual(parse(TencentJSON.quote(text)), .string(text))
    }
}
