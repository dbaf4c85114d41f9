import BalanceCore
import BalanceSupport

/// DescribeAccountBalance response → `BalanceReading`, pure: bytes in, samples out.
///
/// Fields per https://www.tencentcloud.com/document/api/555/50383: amounts
/// are cents, converted exactly; any field may be absent or null, and then
/// has no sample (never a made-up 0), but a success without RealBalance or
/// Balance is a bad response.
package enum TencentBalanceMapping {
    static let amountFields: [(key: String, descriptor: MetricDescriptor)] = [
        ("Balance", TencentMetrics.balance),
        ("RealBalance", TencentMetrics.realBalance),
        ("CashAccountBalance", TencentMetrics.cashAccountBalance),
        ("IncomeIntoAccountBalance", TencentMetrics.incomeIntoAccountBalance),
        ("PresentAccountBalance", TencentMetrics.presentAccountBalance),
        ("FreezeAmount", TencentMetrics.freezeAmount),
        ("OweAmount", TencentMetrics.oweAmount),
        ("CreditAmount", TencentMetrics.creditAmount),
        ("CreditBalance", TencentMetrics.creditBalance),
        ("RealCreditBalance", TencentMetrics.realCreditBalance),
        ("TempCredit", TencentMetrics.tempCredit),
    ]
    static let flagFields: [(key: String, descriptor: MetricDescriptor)] = [
        ("IsAllowArrears", TencentMetrics.isAllowArrears),
        ("IsCreditLimited", TencentMetrics.isCreditLimited),
    ]

    /// At most this many temporary credits per account (3 series each).
    static let maxTemporaryCredits = BalanceReading.maxListEntries

    static func reading(status: Int, body: [UInt8]) throws(ProviderError) -> BalanceReading {
        let response = try TencentResponse.payload(status: status, body: body)
        var fields: [FieldSample] = []
        var amounts: [String: Double] = [:]
        for (key, descriptor) in amountFields {
            guard let value = response[key].flatMap(majorUnits) else { continue }
            amounts[key] = value
            fields.append(FieldSample(descriptor, value))
        }
        // Tencent keeps Balance "for compatibility, same as RealBalance": prefer RealBalance.
        guard let available = amounts["RealBalance"] ?? amounts["Balance"] else {
            throw ProviderError(.bad_response, message: "the success response has neither a numeric RealBalance nor Balance",
                                requestID: response["RequestId"]?.string)
        }
        for (key, descriptor) in flagFields {
            guard let value = response[key].flatMap(flag) else { continue }
            fields.append(FieldSample(descriptor, value))
        }
        var dropped = 0
        if case .array(let credits)? = response["TempAmountInfoList"] {
            fields += temporaryCredits(credits.prefix(maxTemporaryCredits))
            dropped = max(0, credits.count - maxTemporaryCredits)
        }
        return BalanceReading(uin: response["Uin"].flatMap(uin), available: available, fields: fields, dropped: dropped)
    }

    /// One `credit` label per entry: its start in RFC 3339 Beijing time, made
    /// unique with `#2`, `#3` when starts repeat. An entry whose StartTime
    /// cannot be read keeps the raw text as its label and has no start sample.
    static func temporaryCredits(_ entries: ArraySlice<JSONValue>) -> [FieldSample] {
        var samples: [FieldSample] = []
        var seen: [String: Int] = [:]
        for entry in entries {
            guard case .object(let credit) = entry else { continue }
            let startText = credit["StartTime"]?.string
            let start = startText.flatMap(TencentCalendar.parseBeijingTime)
            let end = credit["EndTime"]?.string.flatMap(TencentCalendar.parseBeijingTime)
            var label = start.map(TencentCalendar.rfc3339Beijing) ?? startText.map { UpstreamText.cap(UpstreamText.quote($0), 64) } ?? "unknown"
            let count = (seen[label] ?? 0) + 1
            seen[label] = count
            if count > 1 { label += "#\(count)" }
            let labels = [Label("credit", label)]
            if let amount = credit["TempAmount"].flatMap(majorUnits) {
                samples.append(FieldSample(TencentMetrics.tempCreditAmount, amount, labels: labels))
            }
            if let start { samples.append(FieldSample(TencentMetrics.tempCreditStart, Double(start), labels: labels)) }
            if let end { samples.append(FieldSample(TencentMetrics.tempCreditEnd, Double(end), labels: labels)) }
        }
        return samples
    }

    /// Cents → major units, decimal-exact: the decimal point moves two
    /// digits, then the nearest Double, so `123456789` gives exactly the
    /// Double literal `1234567.89`. Numeric strings are accepted too;
    /// anything else (null, text, a boolean) is no value.
    static func majorUnits(_ value: JSONValue) -> Double? {
        guard let cents = value.numberOrNumericString else { return nil }
        let units = cents.shiftingDecimalPoint(by: -2).double
        return units.isFinite ? units : nil
    }

    static func flag(_ value: JSONValue) -> Double? {
        switch value {
        case .bool(let b): return b ? 1 : 0
        case .number(let n) where n.int64 == 0 || n.int64 == 1: return n.double
        default: return nil
        }
    }

    /// `Uin` is documented as an integer, but an older example returns a string: accept both.
    static func uin(_ value: JSONValue) -> String? {
        switch value {
        case .number(let n):
            return n.wholeNumberText
        case .string(let s):
            let trimmed = s.trimmingASCIIWhitespace()
            return trimmed.isEmpty ? nil : trimmed
        default:
            return nil
        }
    }
}
