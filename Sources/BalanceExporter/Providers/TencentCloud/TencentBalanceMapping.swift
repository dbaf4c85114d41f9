/// DescribeAccountBalance response → `BalanceReading`, pure: bytes in, samples out.
///
/// Fields per https://www.tencentcloud.com/document/api/555/50383 (see
/// UPSTREAMS.md §1): amounts are cents, converted exactly; any field may be
/// absent or null, and then has no sample (never a made-up 0).
enum TencentBalanceMapping {
    static let amountFields: [(key: String, descriptor: MetricDescriptor)] = [
        ("Balance", Catalog.tencentBalance),
        ("RealBalance", Catalog.tencentRealBalance),
        ("CashAccountBalance", Catalog.tencentCashAccountBalance),
        ("IncomeIntoAccountBalance", Catalog.tencentIncomeIntoAccountBalance),
        ("PresentAccountBalance", Catalog.tencentPresentAccountBalance),
        ("FreezeAmount", Catalog.tencentFreezeAmount),
        ("OweAmount", Catalog.tencentOweAmount),
        ("CreditAmount", Catalog.tencentCreditAmount),
        ("CreditBalance", Catalog.tencentCreditBalance),
        ("RealCreditBalance", Catalog.tencentRealCreditBalance),
        ("TempCredit", Catalog.tencentTempCredit),
    ]
    static let flagFields: [(key: String, descriptor: MetricDescriptor)] = [
        ("IsAllowArrears", Catalog.tencentIsAllowArrears),
        ("IsCreditLimited", Catalog.tencentIsCreditLimited),
    ]

    static func reading(status: Int, body: [UInt8]) throws(ProviderError) -> BalanceReading {
        let response = try TencentResponse.payload(status: status, body: body)
        var fields: [FieldSample] = []
        var amounts: [String: Double] = [:]
        for (key, descriptor) in amountFields {
            guard let value = response[key].flatMap(majorUnits) else { continue }
            amounts[key] = value
            fields.append(FieldSample(descriptor, value))
        }
        for (key, descriptor) in flagFields {
            guard let value = response[key].flatMap(flag) else { continue }
            fields.append(FieldSample(descriptor, value))
        }
        if case .array(let credits)? = response["TempAmountInfoList"] {
            fields += temporaryCredits(credits)
        }
        // Tencent keeps Balance "for compatibility, same as RealBalance": prefer RealBalance.
        return BalanceReading(uin: response["Uin"].flatMap(uin), available: amounts["RealBalance"] ?? amounts["Balance"],
                              fields: fields)
    }

    /// One `credit` label per entry: its start in RFC 3339 Beijing time, made
    /// unique with `#2`, `#3` when starts repeat. An entry whose StartTime
    /// cannot be read keeps the raw text as its label and has no start sample.
    static func temporaryCredits(_ entries: [TencentJSON]) -> [FieldSample] {
        var samples: [FieldSample] = []
        var seen: [String: Int] = [:]
        for entry in entries {
            guard case .object(let credit) = entry else { continue }
            let startText = credit["StartTime"]?.stringValue
            let start = startText.flatMap(TencentCalendar.parseBeijingTime)
            let end = credit["EndTime"]?.stringValue.flatMap(TencentCalendar.parseBeijingTime)
            var label = start.map(TencentCalendar.rfc3339Beijing) ?? startText.map { TencentText.truncate($0, limit: 64) } ?? "unknown"
            let count = (seen[label] ?? 0) + 1
            seen[label] = count
            if count > 1 { label += "#\(count)" }
            let labels = [Label("credit", label)]
            if let amount = credit["TempAmount"].flatMap(majorUnits) {
                samples.append(FieldSample(Catalog.tencentTempCreditAmount, amount, labels: labels))
            }
            if let start { samples.append(FieldSample(Catalog.tencentTempCreditStart, Double(start), labels: labels)) }
            if let end { samples.append(FieldSample(Catalog.tencentTempCreditEnd, Double(end), labels: labels)) }
        }
        return samples
    }

    /// Cents → major units with decimal-exact semantics: the decimal point is
    /// moved in the number's text and the result parsed once, so `123456789`
    /// gives exactly the Double literal `1234567.89`. Numeric strings are
    /// accepted too; anything else (null, text) is no value.
    static func majorUnits(_ value: TencentJSON) -> Double? {
        let text: String
        switch value {
        case .number(let n): text = n
        case .string(let s): text = TencentText.trim(s)
        default: return nil
        }
        // Decimal notation only (Double(_:) would also take "0x1p3", "inf", "nan").
        guard !text.isEmpty, text.utf8.allSatisfy({ Self.decimalCharacters.contains($0) }),
              let parsed = Double(text), parsed.isFinite else { return nil }
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let exp = Int(text[text.index(after: e)...]) else { return nil }
            mantissa = text[..<e]
            exponent = exp
        }
        // An exponent near Int.min (`1e-9223372036854775808`, see
        // FuzzRegressionTests) cannot be shifted; such a number is 0 anyway.
        let (shifted, overflow) = exponent.subtractingReportingOverflow(2)
        if overflow { return parsed / 100 }
        guard let result = Double("\(mantissa)e\(shifted)"), result.isFinite else { return nil }
        return result
    }

    private static let decimalCharacters = Set("0123456789+-.eE".utf8)

    static func flag(_ value: TencentJSON) -> Double? {
        switch value {
        case .bool(let b): return b ? 1 : 0
        case .number(let n) where n == "0" || n == "1": return Double(n)
        default: return nil
        }
    }

    /// `Uin` is documented as an integer, but an older example returns a string: accept both.
    static func uin(_ value: TencentJSON) -> String? {
        switch value {
        case .number(let n):
            if n.allSatisfy(\.isNumber) { return n }
            guard let d = Double(n), d.isFinite, d == d.rounded(), abs(d) < 1e18 else { return nil }
            return String(Int64(d))
        case .string(let s):
            let trimmed = TencentText.trim(s)
            return trimmed.isEmpty ? nil : trimmed
        default:
            return nil
        }
    }
}
