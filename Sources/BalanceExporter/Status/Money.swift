/// An amount of money for a person: digits grouped in threes, at least two
/// decimals, every decimal the value has kept (`1,234.56 USD`, `-312.50 USD`,
/// `0.125 CNY`). Pure.
package enum Money {
    package static func format(_ amount: Double, currency: String?) -> String {
        let number = digits(amount)
        guard let currency, !currency.isEmpty else { return number }
        return number + " " + currency
    }

    static func digits(_ amount: Double) -> String {
        // The shortest text that reads back as the same Double: no binary noise (0.1 stays 0.1).
        let text = amount.description
        guard amount.isFinite, !text.contains("e") else { return text }
        let negative = text.hasPrefix("-")
        let unsigned = negative ? text.dropFirst() : Substring(text)
        let parts = unsigned.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = Array(parts[0])
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        while fraction.count < 2 { fraction += "0" }
        var grouped = ""
        for (index, digit) in whole.enumerated() {
            if index > 0 && (whole.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return (negative ? "-" : "") + grouped + "." + fraction
    }
}
