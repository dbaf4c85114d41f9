import BalanceCore
import BalanceSupport

/// `AlibabaBalance` → `BalanceReading`, pure: every amount of `Data` as its
/// family's sample in major units (the Double nearest the decimal, so
/// `"1,234.56"` is exactly the literal 1234.56), `balance_available` from
/// `AvailableAmount`, and the `uin` the caller learned from
/// `GetCallerIdentity` (nil until then: the engine then uses the configured
/// `uin` or the account name), and the answer's `Currency` for
/// `balance_account_info{currency}` when the account configures none.
package enum AlibabaBalanceMapping {
    package static func reading(_ balance: AlibabaBalance, uin: String?) -> BalanceReading {
        var fields: [FieldSample] = []
        for (key, descriptor) in AlibabaMetrics.fields {
            guard let amount = balance.amounts[key] else { continue }
            fields.append(FieldSample(descriptor, amount.double))
        }
        return BalanceReading(uin: uin, available: balance.available.double, fields: fields, currency: balance.currency)
    }
}
