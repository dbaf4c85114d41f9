import BalanceTestSupport
@testable import BalanceSockets
@testable import BalanceSupport
import Glibc
import Foundation
import Synchronization
import XCTest

/// The one JSON type: our strict RFC 8259 parser and compact writer.
final class JSONValueTests: XCTestCase {
    private func parse(_ text: String) -> JSONValue? { JSONValue.parse(Array(text.utf8)) }
    private func number(_ literal: String) -> JSONValue { .number(JSONNumber(literal)!) }

    /// The error `decode` throws, as the operator reads it.
    private func error(_ bytes: [UInt8]) -> String? {
        do {
            _ = try JSONValue.decode(bytes)
            return nil
        } catch {
            return error.description
        }
    }

    func testValuesKeepNumbersExactAndBooleansDistinct() {
        XCTAssertEqual(parse(#" {"a": [1, -2.5e3, 1.5, true, false, null, "x\"\u00e9\ud83d\ude00\/\b\f\n\r\t"], "b": {}} "#),
                       .object(["a": .array([.number(.int(1)), .number(.int(-2500)), number("1.5"), .bool(true), .bool(false),
                                             .null, .string("x\"é😀/\u{08}\u{0C}\n\r\t")]),
                                "b": .object([:])]))
        XCTAssertNil(parse("1")?.bool)
        XCTAssertNil(parse("0")?.bool)
        XCTAssertNil(parse("true")?.number)
        XCTAssertNil(parse("true")?.numberOrNumericString)
    }

    func testIntegersBeyond2To53StayExact() {
        XCTAssertEqual(parse("9007199254740993"), .number(.int(9_007_199_254_740_993)))
        XCTAssertEqual(parse(#"{"userId": 9223372036854775807}"#)?["userId"]?.number?.int64, .max)
        XCTAssertEqual(parse("-9223372036854775808")?.number?.int64, .min)
        XCTAssertNil(parse("9223372036854775808")?.number?.int64)
        XCTAssertEqual(parse("9223372036854775808")?.number?.wholeNumberText, "9223372036854775808")
        XCTAssertEqual(parse("123456789012345678901234567890")?.number?.wholeNumberText, "123456789012345678901234567890")
        XCTAssertEqual(parse("1.5e3"), .number(.int(1500)), "a whole number in exponent form is an integer")
        XCTAssertEqual(parse("1.5e3")?.number?.int64, 1500)
        XCTAssertEqual(parse("-120e-1")?.number?.wholeNumberText, "-12")
        XCTAssertEqual(parse("-0")?.number?.wholeNumberText, "0")
    }

    func testNumbersKeepTheirLiteralAndCompareByValue() {
        XCTAssertEqual(parse("0.1")?.number?.literal, "0.1")
        XCTAssertEqual(parse("0.1")?.number?.double, 0.1)
        XCTAssertNil(parse("12345.5")?.number?.wholeNumberText)
        XCTAssertNil(parse("12345.5")?.number?.int64)
        XCTAssertEqual(number("1.0"), number("1"))
        XCTAssertEqual(number("-0.0e5"), number("0"))
        XCTAssertNotEqual(number("0.1"), number("0.10000000000000001"), "equal as Doubles, different numbers")
        XCTAssertEqual(parse("1e300")?.number?.double, 1e300)
        XCTAssertEqual(parse("-1.7976931348623157e308")?.number?.double, -.greatestFiniteMagnitude)
        XCTAssertEqual(parse("1e-9223372036854775808")?.number?.double, 0, "below Double's range: 0")
        XCTAssertNil(parse("1e101")?.number?.wholeNumberText, "more digits than maxWholeNumberDigits")
        XCTAssertEqual(parse("1e99")?.number?.wholeNumberText, "1" + String(repeating: "0", count: 99))
    }

    func testCentsToMajorUnitsGivesTheDecimalLiteral() {
        func units(_ cents: String) -> Double? { JSONNumber(cents)?.shiftingDecimalPoint(by: -2).double }
        XCTAssertEqual(units("123456789"), 1234567.89)
        XCTAssertEqual(units("-1999"), -19.99)
        XCTAssertEqual(units("29"), 0.29)
        XCTAssertEqual(units("12345.5"), 123.455)
        XCTAssertEqual(units("1.5e3"), 15)
        XCTAssertEqual(units("0"), 0)
        XCTAssertEqual(JSONNumber("123456789")?.shiftingDecimalPoint(by: -2), JSONNumber("1234567.89"))
        XCTAssertEqual(JSONNumber("4711")?.shiftingDecimalPoint(by: 30).wholeNumberText, "4711" + String(repeating: "0", count: 30))
        XCTAssertEqual(JSONNumber("1e-9223372036854775808")?.shiftingDecimalPoint(by: -2).double, 0)
        XCTAssertEqual(JSONNumber("1e308")?.shiftingDecimalPoint(by: .max).double, .infinity)
    }

    func testNumbersFromSwiftValuesAreWrittenAsJSONEncoderWroteThem() {
        XCTAssertEqual(JSONNumber(100.0)?.literal, "100")
        XCTAssertEqual(JSONNumber(0.1)?.literal, "0.1")
        XCTAssertEqual(JSONNumber(1e16)?.literal, "1e+16")
        XCTAssertEqual(JSONNumber(-0.0)?.literal, "-0")
        XCTAssertEqual(JSONNumber(UInt64.max).literal, "18446744073709551615")
        XCTAssertNil(JSONNumber(Double.nan))
        XCTAssertNil(JSONNumber(Double.infinity), "JSON has no infinity (RFC 8259 §6)")
        for literal in ["01", "+1", ".5", "1.", "1e", "-", "0x10", " 1", "1 ", "inf", "NaN", "", "1e309", "-2e308"] {
            XCTAssertNil(JSONNumber(literal), literal)
        }
    }

    func testMalformedOrAmbiguousInputIsRejected() {
        let texts = ["", " ", "{", "{\"a\":}", "[1,,]", "[,]", "[1,]", "{\"a\":1,}", "{\"a\":1,\"a\":2}", "{\"é\":1,\"e\u{301}\":2}",
                     "01", "1.", "-", ".5", "+1", "1e", "\"abc", "tru", "nul", "{} x", "[1] [2]", "\"\\ud800\"", "\"\\udc00\"",
                     "\"\\ud800\\u0041\"", "\"\\u12\"", "\"\\x\"", "\"a\u{01}\"", "\"a\nb\"", "{\"a\" 1}", "{1: 2}", "NaN",
                     "Infinity", "-Infinity", "'a'", "{a: 1}", "[1 2]", "\u{FEFF}\u{FEFF}1", "1e400", "-1.8e308"]
        for text in texts {
            XCTAssertNil(parse(text), text)
        }
        let invalidUTF8: [[UInt8]] = [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
                                      [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0xC3]]
        for bytes in invalidUTF8 {
            XCTAssertNil(JSONValue.parse(bytes), "\(bytes)")
        }
        XCTAssertEqual(JSONValue.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)), .array([.number(.int(1))]), "a byte order mark is skipped")
        XCTAssertEqual(parse("\"\u{7F}\u{2028}\""), .string("\u{7F}\u{2028}"), "DEL and U+2028 need no escape")
    }

    func testErrorsNameLineColumnAndWhatWasExpected() {
        let cases: [(String, String)] = [
            ("{\n  \"a\": 1,\n  \"b\": 2 \"c\"\n}", "line 3, column 10: expected ',' or '}' after an object member"),
            ("[1, 2\n 3]", "line 2, column 2: expected ',' or ']' after an array element"),
            ("[1,\r\n]", "line 2, column 1: expected a value after ',' (trailing commas are not allowed)"),
            ("{\"a\": 1, }", "line 1, column 10: expected a string key after ',' (trailing commas are not allowed)"),
            ("{\"é€😀\": 1 x}", "line 1, column 11: expected ',' or '}' after an object member"),
            ("{\"a\": 1, \"b\": 2, \"a\": 3}", "line 1, column 18: duplicate key \"a\""),
            ("{1: 2}", "line 1, column 2: expected a string key or '}'"),
            ("{\"a\" 1}", "line 1, column 6: expected ':' after an object key"),
            ("[1] x", "line 1, column 5: expected the end of the input after the top-level value"),
            ("", "line 1, column 1: unexpected end of input: expected a value (object, array, string, number, true, false or null)"),
            ("{\"a\": [1,", "line 1, column 10: unexpected end of input: expected a value (object, array, string, number, true, false or null)"),
            ("{\"a\": 1", "line 1, column 8: unexpected end of input: expected ',' or '}' after an object member"),
            ("[\"abc", "line 1, column 2: unterminated string: the input ends before its closing '\"'"),
            ("[\"a\tb\"]", "line 1, column 4: unescaped control character U+0009 in a string"),
            ("[\"\\q\"]", "line 1, column 3: invalid escape '\\q' in a string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"),
            ("[\"\\u12x4\"]", "line 1, column 7: expected four hex digits after '\\u'"),
            ("[\"x\\ud83d\"]", "line 1, column 4: lone surrogate \\uD83D in a string: a high surrogate must be followed by a low one (\\uDC00-\\uDFFF)"),
            ("[\"\\ude00\"]", "line 1, column 3: lone surrogate \\uDE00 in a string: a low surrogate must follow a high one (\\uD800-\\uDBFF)"),
            ("[01]", "line 1, column 3: a number must not have leading zeros"),
            ("[-x]", "line 1, column 3: expected a digit after '-'"),
            ("[1.e5]", "line 1, column 4: expected a digit after '.'"),
            ("[1e+]", "line 1, column 5: expected a digit in the exponent"),
            ("[1, -1e400]", "line 1, column 5: number out of range (beyond a Double's ±1.8e308)"),
            ("[tru]", "line 1, column 2: expected true"),
            ("[NaN]", "line 1, column 2: expected a value (object, array, string, number, true, false or null)"),
        ]
        for (text, message) in cases {
            XCTAssertEqual(error(Array(text.utf8)), message, text)
        }
        XCTAssertEqual(error([0x5B, 0x22, 0x61, 0xC3, 0x28, 0x22, 0x5D]), "line 1, column 4: invalid UTF-8 in a string")
    }

    func testDeepNestingIsAnErrorNotACrash() {
        let limit = JSONValue.maxDepth
        XCTAssertEqual(error(Array(String(repeating: "[", count: 100_000).utf8)), "line 1, column \(limit + 1): nested deeper than \(limit) levels")
        XCTAssertNil(parse(String(repeating: "{\"a\":", count: 100_000)))
        XCTAssertNotNil(parse(String(repeating: "[", count: limit) + String(repeating: "]", count: limit)))
        XCTAssertNil(parse(String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)))
    }

    /// Upstream answers are decoded in the refresh task RefreshEngine
    /// launches, on a thread of the Swift concurrency pool; configuration on
    /// the main thread (start-up, SIGHUP) or an HTTP connection thread
    /// (POST /-/reload). All of them have glibc's default thread stack: the
    /// RLIMIT_STACK soft limit (8 MiB under the usual `ulimit -s 8192`; 2 MiB
    /// when unlimited), measured here rather than assumed. The deepest document
    /// accepted must decode, compare and be freed within the smallest of
    /// them, under AddressSanitizer too (`swift test --sanitize=address`).
    func testDeepestAcceptedDocumentDecodesOnTheStackProductionGivesIt() async throws {
        let measuredInTask = await Task.detached { currentThreadStackSize() }.value
        let pool = try XCTUnwrap(measuredInTask)
        let connection = try XCTUnwrap(onThread(start: { DetachedThread.start($0) }) { currentThreadStackSize() } ?? nil)
        let stack = min(pool, connection)

        let limit = JSONValue.maxDepth
        let deepest = String(repeating: "{\"a\":[", count: limit / 2) + "1" + String(repeating: "]}", count: limit / 2)
        let intact = onThread(start: { body in
            let thread = Thread(block: body)
            thread.stackSize = stack
            thread.start()
            return true
        }) {
            let value = JSONValue.parse(Array(deepest.utf8))
            return value != nil && value == JSONValue.parse(Array(deepest.utf8)) && value?.text == deepest
        }
        XCTAssertEqual(intact, true, "the deepest accepted document on a \(stack / 1024) KiB stack")
    }

    func testTextIsCompactWithSortedKeysAndRoundTrips() {
        let value: JSONValue = .object([
            "b": .string("a\"b\\c\nd\u{01}\u{08}\u{1F}é/"), "a": number("12345.5"), "n": .null, "B": .bool(false), "é": .null, "e\u{301}x": .null,
            "l": .array([.bool(true), .number(.int(.max)), number("1.5e3"), .number(JSONNumber(0.1)!), .object([:])]),
        ])
        // Keys in UTF-8 byte order, as JSONEncoder's .sortedKeys wrote them.
        XCTAssertEqual(value.text, #"{"B":false,"a":12345.5,"b":"a\"b\\c\nd\u0001\b\u001fé/","# + "\"e\u{301}x\":null,"
                       + #""l":[true,9223372036854775807,1.5e3,0.1,{}],"n":null,"é":null}"#)
        XCTAssertEqual(parse(value.text), value)
        XCTAssertEqual(JSONValue.string("x").text, #""x""#)
    }

    func testObjectTextKeepsMemberOrderAndRawMembers() {
        let text = JSONValue.objectText([("z", "1.5e3"), ("a\"", JSONValue.string("q").text), ("m", "null")])
        XCTAssertEqual(text, #"{"z":1.5e3,"a\"":"q","m":null}"#)
        XCTAssertEqual(parse(text), .object(["z": .number(.int(1500)), "a\"": .string("q"), "m": .null]))
    }

    func testNumericStringsReadAsNumbersOnlyInJSONNumberSyntax() {
        XCTAssertEqual(JSONValue.string(" 1800 ").numberOrNumericString, .int(1800))
        XCTAssertEqual(JSONValue.string("675.24").numberOrNumericString?.double, 675.24)
        for text in ["", " ", "0x10", "inf", "nan", "12 cents", "[1]", "{}", "1 2", "true", "+1", "1.", "01", "1e400"] {
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

/// What `body` returns on a thread `start` starts; nil if it could not start
/// one or `body` took longer than 30 s.
private func onThread<T: Sendable>(start: (@escaping @Sendable () -> Void) -> Bool, _ body: @escaping @Sendable () -> T) -> T? {
    let result = Outcome<T>()
    let done = DispatchSemaphore(value: 0)
    guard start({
        result.value.withLock { $0 = body() }
        done.signal()
    }) else { return nil }
    guard done.wait(timeout: .now() + 30) == .success else { return nil }
    return result.value.withLock { $0 }
}

private final class Outcome<T: Sendable>: Sendable {
    let value = Mutex<T?>(nil)
}

/// The stack size of the calling thread, from pthread_getattr_np (which
/// the Glibc module leaves out, so it is looked up by name).
private func currentThreadStackSize() -> Int? {
    typealias GetAttributes = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
    guard let process = dlopen(nil, RTLD_NOW) else { return nil }
    defer { dlclose(process) }
    guard let symbol = dlsym(process, "pthread_getattr_np") else { return nil }
    var attributes = pthread_attr_t()
    guard unsafeBitCast(symbol, to: GetAttributes.self)(pthread_self(), &attributes) == 0 else { return nil }
    defer { pthread_attr_destroy(&attributes) }
    var size = 0
    guard pthread_attr_getstacksize(&attributes, &size) == 0 else { return nil }
    return size
}
