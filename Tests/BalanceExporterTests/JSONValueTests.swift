import Foundation
import Synchronization
import XCTest
@testable import BalanceExporter

/// The one JSON type, read with JSONDecoder and written with JSONEncoder.
final class JSONValueTests: XCTestCase {
    private func parse(_ text: String) -> JSONValue? { JSONValue.parse(Array(text.utf8)) }
    private func decimal(_ text: String) -> JSONValue { .number(.decimal(Decimal(string: text)!)) }

    func testValuesKeepNumbersExactAndBooleansDistinct() {
        XCTAssertEqual(parse(#" {"a": [1, -2.5e3, 1.5, true, false, null, "x\"\u00e9\ud83d\ude00\/"], "b": {}} "#),
                       .object(["a": .array([.number(.int(1)), .number(.int(-2500)), decimal("1.5"), .bool(true), .bool(false),
                                             .null, .string("x\"é😀/")]),
                                "b": .object([:])]))
    }

    /// On this platform's Foundation: the premise the decoding order rests on.
    func testJSONDecoderNeverTurnsBooleansIntoNumbersOrBack() {
        let decoder = JSONDecoder()
        XCTAssertThrowsError(try decoder.decode(Bool.self, from: Data("1".utf8)))
        XCTAssertThrowsError(try decoder.decode(Bool.self, from: Data("0".utf8)))
        XCTAssertThrowsError(try decoder.decode(Int64.self, from: Data("true".utf8)))
        XCTAssertThrowsError(try decoder.decode(Decimal.self, from: Data("true".utf8)))
        XCTAssertThrowsError(try decoder.decode(Double.self, from: Data("false".utf8)))
        XCTAssertEqual(parse("1"), .number(.int(1)))
        XCTAssertEqual(parse("true"), .bool(true))
        XCTAssertNil(parse("1")?.bool)
        XCTAssertNil(parse("true")?.number)
        XCTAssertNil(parse("true")?.numberOrNumericString)
    }

    func testIntegersBeyond2To53StayExact() {
        XCTAssertEqual(parse("9007199254740993"), .number(.int(9_007_199_254_740_993)))
        XCTAssertEqual(parse(#"{"userId": 9223372036854775807}"#)?["userId"]?.number?.int64, .max)
        XCTAssertEqual(parse("9223372036854775808")?.number?.wholeNumberText, "9223372036854775808")
        XCTAssertEqual(parse("1.5e3"), .number(.int(1500)), "a whole number in exponent form is an integer")
    }

    func testFractionsAreDecimalsFromTheNumbersText() {
        XCTAssertEqual(parse("0.1"), decimal("0.1"))
        XCTAssertEqual(parse("12345.5")?.number?.decimal, Decimal(string: "12345.5"))
        XCTAssertNil(parse("12345.5")?.number?.wholeNumberText)
        XCTAssertEqual(parse("123456789012345678901234567890")?.number?.decimal, Decimal(string: "123456789012345678901234567890"))
        XCTAssertEqual(parse("1e300"), .number(.double(1e300)), "beyond Decimal's range: a Double")
        XCTAssertNil(parse("1e300")?.number?.decimal)
    }

    func testCentsToMajorUnitsGivesTheDecimalLiteral() {
        XCTAssertEqual(JSONNumber.nearestDouble(Decimal(123_456_789) / 100), 1234567.89)
        XCTAssertEqual(JSONNumber.nearestDouble(Decimal(-1999) / 100), -19.99)
        XCTAssertEqual(JSONNumber.nearestDouble(Decimal(29) / 100), 0.29)
        XCTAssertEqual(parse("0.29")?.number?.double, 0.29)
    }

    /// As the old hand-written parser did, except for one leniency of
    /// Foundation's JSONDecoder that loses nothing: a trailing comma (`[1,]`).
    func testMalformedInputIsRejected() {
        for text in ["", "{", "{\"a\":}", "[1,,]", "[,]", "01", "1.", "-", "\"abc", "tru", "{} x", "\"\\ud800\"", "\"a\u{01}\"",
                     "{\"a\" 1}", "NaN", "Infinity", "'a'", "{a: 1}"] {
            XCTAssertNil(parse(text), text)
            XCTAssertThrowsError(try JSONValue.decode(Array(text.utf8)), text)
        }
    }

    func testDeepNestingIsAnErrorNotACrash() {
        XCTAssertNil(parse(String(repeating: "[", count: 100_000)))
        XCTAssertNil(parse(String(repeating: "{\"a\":", count: 100_000)))
        let limit = JSONValue.maxDepth
        XCTAssertNotNil(parse(String(repeating: "[", count: limit) + String(repeating: "]", count: limit)))
        XCTAssertNil(parse(String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)))
        XCTAssertNil(parse(String(repeating: "[", count: 600) + String(repeating: "]", count: 600)))
    }

    /// The exporter decodes upstream answers on concurrency pool threads, whose
    /// stacks are smaller than the main thread's: the depth bound keeps the
    /// recursion well inside a 256 KiB stack.
    func testDeepestAcceptedDocumentDecodesOnASmallStack() {
        let limit = JSONValue.maxDepth
        let deepest = Array((String(repeating: "{\"a\":[", count: limit / 2) + String(repeating: "]}", count: limit / 2)).utf8)
        let done = DispatchSemaphore(value: 0)
        let decoded = Decoded()
        let thread = Thread {
            decoded.value.withLock { $0 = JSONValue.parse(deepest) }
            done.signal()
        }
        thread.stackSize = 256 * 1024
        thread.start()
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        XCTAssertNotNil(decoded.value.withLock { $0 })
    }

    func testTextIsCompactWithSortedKeysAndRoundTrips() {
        let value: JSONValue = .object([
            "b": .string("a\"b\\c\nd\u{01}é/"), "a": decimal("12345.5"), "n": .null,
            "l": .array([.bool(true), .number(.int(.max)), .number(.double(0.1)), .object([:])]),
        ])
        XCTAssertEqual(value.text, #"{"a":12345.5,"b":"a\"b\\c\nd\u0001é/","l":[true,9223372036854775807,0.1,{}],"n":null}"#)
        XCTAssertEqual(parse(value.text), value.replacingDoubles)
        XCTAssertEqual(JSONValue.string("x").text, #""x""#)
    }

    func testNonFiniteDoublesAreWrittenAsNull() {
        XCTAssertEqual(JSONValue.array([.number(.double(.nan)), .number(.double(.infinity))]).text, "[null,null]")
    }

    func testObjectTextKeepsMemberOrderAndRawMembers() {
        let text = JSONValue.objectText([("z", "1.5e3"), ("a\"", JSONValue.string("q").text), ("m", "null")])
        XCTAssertEqual(text, #"{"z":1.5e3,"a\"":"q","m":null}"#)
        XCTAssertEqual(parse(text), .object(["z": .number(.int(1500)), "a\"": .string("q"), "m": .null]))
    }

    func testNumericStringsReadAsNumbersOnlyInJSONNumberSyntax() {
        XCTAssertEqual(JSONValue.string(" 1800 ").numberOrNumericString, .int(1800))
        XCTAssertEqual(JSONValue.string("675.24").numberOrNumericString?.double, 675.24)
        for text in ["", " ", "0x10", "inf", "nan", "12 cents", "[1]", "{}", "1 2", "true"] {
            XCTAssertNil(JSONValue.string(text).numberOrNumericString, text)
        }
    }

    func testViewsAndTypeNames() {
        let value = parse(#"{"s": "x", "o": {"k": 1}, "a": [], "b": false, "n": null}"#)
        XCTAssertEqual(value?["s"]?.string, "x")
        XCTAssertEqual(value?["o"]?["k"]?.number?.int64, 1)
        XCTAssertEqual(value?["a"], .array([]))
        XCTAssertEqual(value?["b"]?.bool, false)
        XCTAssertNil(value?["missing"])
        XCTAssertNil(value?["s"]?["k"], "a string has no members")
        XCTAssertEqual(["s", "o", "a", "b", "n"].map { value?[$0]?.typeName },
                       ["a string", "an object", "an array", "a boolean", "null"])
        XCTAssertEqual(parse("1")?.typeName, "a number")
    }
}

private final class Decoded: Sendable {
    let value = Mutex<JSONValue?>(nil)
}

private extension JSONValue {
    /// What a written `.double` reads back as: JSONDecoder prefers `Decimal`.
    var replacingDoubles: JSONValue {
        switch self {
        case .number(.double(let d)): return .number(.decimal(Decimal(string: "\(d)")!))
        case .array(let a): return .array(a.map(\.replacingDoubles))
        case .object(let o): return .object(o.mapValues(\.replacingDoubles))
        default: return self
        }
    }
}
