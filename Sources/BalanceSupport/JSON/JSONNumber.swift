/// A JSON number, kept as its literal text (RFC 8259 §6 syntax, checked on
/// the way in) so that nothing is lost to a binary type: every value is
/// derived exactly from the digits when asked for. A boolean is never a
/// number, and NaN and the infinities are not JSON numbers.
///
/// Its magnitude is within Double's range (§6 lets a reader limit the
/// range; `1e400` is refused as JSONDecoder refused it), so `double` is
/// always finite and no caller meets an infinity from upstream data.
///
/// Two numbers are equal when their values are (`1.5e3 == 1500`, `-0 == 0`).
package struct JSONNumber: Sendable, Equatable, CustomStringConvertible {
    /// The number as written: in JSON syntax, and what `JSONValue.text` writes.
    package let literal: String
    /// The text a YAML plain scalar spelled it as, when that differs from
    /// `literal` (`0640`, `+12`, `0x1F`): what a reader that expects a string
    /// takes, so `mode: 0640` stays `"0640"`. Not part of the value (`==`).
    package var spelling: String?

    /// `literal` must be in JSON number syntax and within Double's range
    /// (the parser has checked both).
    init(validLiteral literal: String) {
        self.literal = literal
    }

    /// The number `text` spells in JSON syntax exactly (no sign `+`, no
    /// leading zeros, no `.5`, no `0x10`, no surrounding whitespace) within
    /// Double's range; nil otherwise.
    package init?(_ text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        guard let length = try? JSONNumber.scan(utf8, from: 0), length == utf8.count else { return nil }
        self.init(validLiteral: String(text))
        guard double.isFinite else { return nil }
    }

    package init(_ value: some BinaryInteger) {
        self.init(validLiteral: String(value))
    }

    /// `value` as JSONEncoder writes it (`0.1`, `100`, `1e+16`); nil for NaN
    /// and the infinities, which JSON cannot carry.
    package init?(_ value: Double) {
        guard value.isFinite else { return nil }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        self.init(validLiteral: text)
    }

    package static func int(_ value: Int64) -> JSONNumber { JSONNumber(value) }

    package var description: String { literal }

    /// The value if it is a whole number that fits `Int64` (`1.5e3` is 1500).
    package var int64: Int64? {
        wholeNumberText.flatMap { Int64($0) }
    }

    /// The nearest `Double`, by Swift's correctly rounded conversion of the
    /// literal: finite (0 for magnitudes below its range), except after a
    /// `shiftingDecimalPoint` past its range.
    package var double: Double {
        // Unreachable fallback: Double(String) reads every JSON number literal.
        Double(literal) ?? .nan
    }

    /// Bounds `wholeNumberText`: `1e1000000` must not expand to a megabyte.
    /// Identifiers (`Uin`, `userId`) are about 20 digits.
    package static let maxWholeNumberDigits = 100

    /// The digits of a whole number, exactly (`100012345678`, `-5`,
    /// `9223372036854775808` beyond Int64, `1500` for `1.5e3`); nil for
    /// fractions and for more than `maxWholeNumberDigits` digits.
    package var wholeNumberText: String? {
        let value = self.value
        guard value.exponent >= 0 else { return nil }
        if value.digits.isEmpty { return "0" }
        guard value.digits.count + value.exponent <= Self.maxWholeNumberDigits else { return nil }
        return (value.negative ? "-" : "") + String(decoding: value.digits, as: UTF8.self)
            + String(repeating: "0", count: value.exponent)
    }

    /// This number times 10^`places`, exactly: a shift of the decimal point
    /// done on the digits (cents -> major units: `shiftingDecimalPoint(by: -2)`,
    /// so `123456789` gives `1234567.89`, whose `double` is that Double literal).
    package func shiftingDecimalPoint(by places: Int) -> JSONNumber {
        var value = self.value
        guard !value.digits.isEmpty else { return self }
        value.exponent = Self.clamped(exponent: value.exponent, plus: places)
        let digits = String(decoding: value.digits, as: UTF8.self)
        return JSONNumber(validLiteral: (value.negative ? "-" : "") + digits + (value.exponent == 0 ? "" : "e\(value.exponent)"))
    }

    package static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        lhs.literal == rhs.literal || lhs.value == rhs.value
    }

    // MARK: Syntax and value

    /// The length of the JSON number starting at `start`; throws the offset
    /// of the first byte that breaks the syntax and what was expected there.
    static func scan(_ bytes: [UInt8], from start: Int) throws(JSONParser.Problem) -> Int {
        var index = start
        func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9") }
        func digits() { while isDigit(index) { index += 1 } }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard isDigit(index) else { throw JSONParser.Problem(index, index > start ? "expected a digit after '-'" : "expected a digit") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if isDigit(index) { throw JSONParser.Problem(index, "a number must not have leading zeros") }
        } else {
            digits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(index) else { throw JSONParser.Problem(index, "expected a digit after '.'") }
            digits()
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard isDigit(index) else { throw JSONParser.Problem(index, "expected a digit in the exponent") }
            digits()
        }
        return index - start
    }

    /// ±digits × 10^exponent, with the digits' leading and trailing zeros
    /// removed (no digits for zero, whose sign is dropped).
    private struct Value: Equatable {
        var negative: Bool
        var digits: [UInt8]
        var exponent: Int
    }

    /// Exponents beyond ±10^12 are clamped (`1e-99999999999999` is 0 as a
    /// Double, and infinite after a shift past the range, whichever exponent
    /// it had; it has no whole-number text either way).
    private static let exponentLimit = 1_000_000_000_000

    private static func clamped(exponent: Int, plus places: Int) -> Int {
        let (sum, overflow) = exponent.addingReportingOverflow(places)
        if overflow { return places > 0 ? exponentLimit : -exponentLimit }
        return min(max(sum, -exponentLimit), exponentLimit)
    }

    private var value: Value {
        let bytes = Array(literal.utf8)
        var index = 0
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { index += 1 }
        var digits: [UInt8] = []
        var fractionDigits = 0
        var inFraction = false
        while index < bytes.count, bytes[index] | 0x20 != UInt8(ascii: "e") {
            if bytes[index] == UInt8(ascii: ".") {
                inFraction = true
            } else {
                digits.append(bytes[index])
                if inFraction { fractionDigits += 1 }
            }
            index += 1
        }
        var exponent = 0
        if index < bytes.count {
            index += 1
            let exponentNegative = bytes[index] == UInt8(ascii: "-")
            if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
            for digit in bytes[index...] {
                exponent = min(exponent * 10 + Int(digit - UInt8(ascii: "0")), Self.exponentLimit)
            }
            if exponentNegative { exponent = -exponent }
        }
        let leading = digits.prefix(while: { $0 == UInt8(ascii: "0") }).count
        digits.removeFirst(leading)
        let trailing = digits.reversed().prefix(while: { $0 == UInt8(ascii: "0") }).count
        digits.removeLast(trailing)
        guard !digits.isEmpty else { return Value(negative: false, digits: [], exponent: 0) }
        return Value(negative: negative, digits: digits,
                     exponent: Self.clamped(exponent: exponent, plus: trailing - fractionDigits))
    }
}
