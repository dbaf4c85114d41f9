/// `JSONValue.decode`, the parser of every configuration file and upstream
/// answer. Beyond not crashing: `parse` agrees with `decode`; an error's
/// line and column lie within the input; a decoded value is no deeper than
/// `maxDepth`, its text decodes back to an equal value and is written
/// again byte for byte; every number's derived values agree with each other.
@testable import BalanceSupport

func fuzzJSON(_ bytes: [UInt8]) -> CInt {
    let value: JSONValue
    do {
        value = try JSONValue.decode(bytes)
    } catch {
        fuzzRequire(JSONValue.parse(bytes) == nil, "parse accepted what decode refused")
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        fuzzRequire(error.line >= 1 && error.line <= lines.count, "line \(error.line) of \(lines.count)")
        let lineLength = lines[error.line - 1].count
        fuzzRequire(error.column >= 1 && error.column <= lineLength + 1, "column \(error.column) of a line of \(lineLength) bytes")
        fuzzRequire(!error.message.isEmpty && error.message.utf8.count < 300, "message \(error.message)")
        return 0
    }
    fuzzRequire(JSONValue.parse(bytes) == value, "parse differs from decode")
    fuzzRequire(depth(value) <= JSONValue.maxDepth, "nested \(depth(value)) levels")
    let text = value.text
    guard let again = JSONValue.parse(Array(text.utf8)) else {
        fuzzRequire(false, "the written text does not decode: \(text)")
        return 0
    }
    fuzzRequire(again == value, "the written text decodes to another value: \(text)")
    fuzzRequire(again.text == text, "writing is not stable: \(text)")
    checkNumbers(value)
    return 0
}

/// Arrays and objects nested around the deepest value (a scalar is 0).
private func depth(_ value: JSONValue) -> Int {
    switch value {
    case .array(let elements): return 1 + (elements.map(depth).max() ?? 0)
    case .object(let members): return 1 + (members.values.map(depth).max() ?? 0)
    default: return 0
    }
}

private func checkNumbers(_ value: JSONValue) {
    switch value {
    case .number(let number):
        fuzzRequire(JSONNumber(number.literal) == number, "literal \(number.literal) does not read back")
        if let int = number.int64 {
            fuzzRequire(number.wholeNumberText == String(int), "\(number.literal): int64 \(int), text \(number.wholeNumberText ?? "nil")")
            fuzzRequire(number.double == Double(int), "\(number.literal): double \(number.double) for int64 \(int)")
        }
        if let whole = number.wholeNumberText {
            fuzzRequire(JSONNumber(whole) == number, "\(number.literal): whole number text \(whole) is another number")
        }
        fuzzRequire(number.double.isFinite, "\(number.literal): not finite")
        let units = number.shiftingDecimalPoint(by: -2)
        fuzzRequire(units.double.isFinite, "\(number.literal) / 100: not finite")
        // Exponents beyond -10^12 are clamped (those numbers are 0 as Doubles).
        if number.double != 0 || number == .int(0) {
            fuzzRequire(units.shiftingDecimalPoint(by: 2) == number, "\(number.literal): shifting back is another number")
        }
    case .array(let elements):
        elements.forEach(checkNumbers)
    case .object(let members):
        members.values.forEach(checkNumbers)
    default:
        break
    }
}
