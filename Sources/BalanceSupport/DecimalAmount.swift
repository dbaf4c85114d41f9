/// Money amounts that upstreams send as decimal text (`"10000.00"`, `"-11.19"`,
/// `"1,234.56"`), read exactly: the text is checked and turned into a
/// `JSONNumber`, whose `double` is Swift's correctly rounded conversion of the
/// digits, so no amount passes through binary floating point arithmetic.
/// Pure.
///
/// Accepted: optional surrounding whitespace, an optional `-` (or `+`), digits
/// with optional thousands separators (`,` between groups of exactly three
/// digits after a first group of one to three), an optional fraction (`.` and
/// at least one digit). Refused: anything else (`"1,23"`, `"1.2.3"`, `"12 CNY"`,
/// `"0x10"`, `"NaN"`, `""`, `"."`, `"1e5"`: no upstream documents exponents
/// for amounts, so one is a sign of a broken answer).
package enum DecimalAmount {
    /// The amount `text` spells, or nil if it is not an amount.
    package static func parse(_ text: some StringProtocol) -> JSONNumber? {
        var bytes = Array(text.utf8)[...]
        while let first = bytes.first, isSpace(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, isSpace(last) { bytes = bytes.dropLast() }
        var negative = false
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        let point = bytes.firstIndex(of: UInt8(ascii: "."))
        let whole = bytes[..<(point ?? bytes.endIndex)]
        let fraction = point.map { bytes[($0 + 1)...] }
        guard let digits = wholeDigits(whole) else { return nil }
        if let fraction {
            guard !fraction.isEmpty, fraction.allSatisfy(isDigit) else { return nil }
        }
        // JSON has no leading zeros: `007.5` is 7.5.
        var significant = digits.drop(while: { $0 == UInt8(ascii: "0") })
        if significant.isEmpty { significant = [UInt8(ascii: "0")] }
        var literal = negative ? "-" : ""
        literal += String(decoding: significant, as: UTF8.self)
        if let fraction { literal += "." + String(decoding: fraction, as: UTF8.self) }
        return JSONNumber(literal)
    }

    /// The digits of the whole part without its separators; nil when the
    /// separators are misplaced or a byte is not a digit.
    private static func wholeDigits(_ whole: ArraySlice<UInt8>) -> [UInt8]? {
        guard !whole.isEmpty else { return nil }
        let groups = whole.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        guard groups.allSatisfy({ !$0.isEmpty && $0.allSatisfy(isDigit) }) else { return nil }
        if groups.count > 1 {
            guard groups[0].count <= 3, groups.dropFirst().allSatisfy({ $0.count == 3 }) else { return nil }
        }
        return groups.flatMap { $0 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
}
