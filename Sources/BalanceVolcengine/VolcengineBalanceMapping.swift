import BalanceCore
import BalanceHTTP
import BalanceSupport

/// `QueryBalanceAcct` answer → `VolcengineBalance` → `BalanceReading`, pure:
/// bytes in, samples out.
///
/// Fields per https://www.volcengine.com/docs/6269/1223898: amounts are
/// decimal strings in major units, read exactly (`DecimalAmount`: thousands
/// separators and a sign allowed; a JSON number is accepted too). An absent
/// or null amount has no sample (never a made-up 0); one that is present but
/// not an amount makes the answer a bad response, and so does an answer
/// without `AvailableBalance`. No formula links the fields: each is its own series.
package enum VolcengineBalanceMapping {
    /// The `Result` amounts and their gauges, in the order the samples come.
    static let amountFields: [(key: String, descriptor: MetricDescriptor)] = [
        ("AvailableBalance", VolcengineMetrics.availableBalance),
        ("CashBalance", VolcengineMetrics.cashBalance),
        ("CreditLimit", VolcengineMetrics.creditLimit),
        ("ArrearsBalance", VolcengineMetrics.arrearsBalance),
        ("FreezeAmount", VolcengineMetrics.freezeAmount),
    ]

    /// The answer's documented fields, or its failure classified and bounded
    /// (`VolcengineResponse.read`).
    package static func balance(_ response: HTTPResponse, now: Double, secrets: [String]) throws(ProviderError) -> VolcengineBalance {
        try VolcengineResponse.read(response, now: now, secrets: secrets, balance)
    }

    static func balance(_ success: VolcengineResponse.Success) throws(ProviderError) -> VolcengineBalance {
        let result = success.result
        var amounts: [String: JSONNumber] = [:]
        for (key, _) in amountFields {
            guard let value = result[key], value != .null else { continue }
            guard let amount = self.amount(value) else {
                throw ProviderError(.bad_response, message: "Result.\(key) is \(value.typeName), not an amount: \(value.text)",
                                    requestID: success.requestID)
            }
            amounts[key] = amount
        }
        guard let available = amounts["AvailableBalance"] else {
            throw ProviderError(.bad_response, message: "the success response has no Result.AvailableBalance", requestID: success.requestID)
        }
        return VolcengineBalance(available: available, amounts: amounts, accountID: result["AccountID"].flatMap(accountID),
                                 currency: result["Currency"].flatMap(currency), requestID: success.requestID)
    }

    /// The samples; `uin` is the answer's `AccountID` and `currency` its
    /// `Currency` (the engine prefers the account's configured ones).
    package static func reading(_ balance: VolcengineBalance) -> BalanceReading {
        let fields = amountFields.compactMap { key, descriptor in
            balance.amounts[key].map { FieldSample(descriptor, $0.double) }
        }
        return BalanceReading(uin: balance.accountID, available: balance.available.double, fields: fields, currency: balance.currency)
    }

    /// A decimal string (`"1,234.56"`, `"-0.01"`) or a JSON number.
    static func amount(_ value: JSONValue) -> JSONNumber? {
        switch value {
        case .string(let text): return DecimalAmount.parse(text)
        case .number(let number): return number
        default: return nil
        }
    }

    /// Documented as an integer (`2100000000`), possibly beyond 2^31; a
    /// string of digits is accepted too. Every digit is kept. Anything else
    /// is no account ID: the label falls back, the balance still counts.
    static func accountID(_ value: JSONValue) -> String? {
        let text: String?
        switch value {
        case .number(let number): text = number.wholeNumberText
        case .string(let string): text = string.trimmingWhitespace()
        default: text = nil
        }
        guard let text, !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return text
    }

    /// `Currency` (not in the action's documentation; the newer SDKs model
    /// it): a short label value, or nothing.
    static func currency(_ value: JSONValue) -> String? {
        guard let text = value.string.map({ UpstreamText.quote($0).trimmingWhitespace() }), !text.isEmpty,
              text.count <= maxCurrencyLength else { return nil }
        return text
    }

    /// ISO 4217 codes have three letters; anything much longer is not a currency.
    static let maxCurrencyLength = 16
}

/// The documented fields of one `QueryBalanceAcct` answer, exact.
package struct VolcengineBalance: Sendable, Equatable {
    /// `AvailableBalance`: without it an answer is no balance.
    package var available: JSONNumber
    /// Every amount the answer has, by field name (`AvailableBalance`
    /// included); absent and null ones are not here.
    package var amounts: [String: JSONNumber]
    /// `AccountID`, digits only: the main account's ID.
    package var accountID: String?
    /// `Currency`, where the answer has it: fills `balance_account_info{currency}`
    /// unless the account configures one.
    package var currency: String?
    package var requestID: String?
}
