import BalanceCore
import BalanceHTTP
import BalanceSupport

/// A balance answer read for the engine: the reading, and the currency it names.
package struct HuaweiBalance: Sendable, Equatable {
    package var reading: BalanceReading
    /// `CNY`, `USD`: fills `balance_account_info{currency}` unless the account configures one.
    package var currency: String?
}

/// `ShowCustomerAccountBalances` → `BalanceReading`, pure: one sample per
/// field each `account_balances` entry carries, labelled by its account type;
/// the `balance` entry's `amount` is `balance_available`.
package enum HuaweiBalanceMapping {
    package static let accountTypeLabel = "account_type"
    /// The documented account types and their label values; another type is labelled with its code.
    package static let accountTypes: [Int64: String] = [1: "balance", 2: "credit", 5: "bonus", 7: "deposit"]
    static let balanceType: Int64 = 1

    /// The answer read and mapped, or the failure (`HuaweiResponse`:
    /// classified, with the request ID, bounded); `domainId` (configured or
    /// from IAM) becomes the reading's `uin`.
    package static func balance(_ response: HTTPResponse, _ exchange: HuaweiResponse.Exchange,
                                domainId: String?) throws(ProviderError) -> HuaweiBalance {
        try HuaweiResponse.read(response, exchange) { object throws(ProviderError) in
            try balance(HuaweiAccountBalances(object), domainId: domainId)
        }
    }

    /// A second entry of one type is left out and counted in `dropped`, as is an
    /// entry without a type: never two series for one account type.
    static func balance(_ answer: HuaweiAccountBalances, domainId: String?) throws(ProviderError) -> HuaweiBalance {
        var fields: [FieldSample] = []
        var available: Double?
        var balanceCurrency: String?
        var seen = Set<Int64>()
        var dropped = 0
        for entry in answer.entries {
            guard let type = entry.accountType, seen.insert(type).inserted else {
                dropped += 1
                continue
            }
            let labels = [Label(accountTypeLabel, accountTypes[type] ?? String(type))]
            let measure = entry.measureId ?? answer.measureId
            for (amount, descriptor) in [(entry.amount, HuaweiMetrics.accountAmount),
                                         (entry.designatedAmount, HuaweiMetrics.accountDesignatedAmount),
                                         (entry.creditAmount, HuaweiMetrics.accountCreditAmount)] {
                guard let amount else { continue }
                let value = try majorUnits(amount, measureId: measure)
                fields.append(FieldSample(descriptor, value, labels: labels))
                if type == balanceType, descriptor == HuaweiMetrics.accountAmount { available = value }
            }
            if type == balanceType { balanceCurrency = entry.currency }
        }
        guard let available else {
            throw ProviderError(.bad_response, message: "the answer has no balance entry (account_type 1) with an amount")
        }
        if let debt = answer.debtAmount {
            fields.append(FieldSample(HuaweiMetrics.debtAmount, try majorUnits(debt, measureId: answer.measureId)))
        }
        return HuaweiBalance(reading: BalanceReading(uin: domainId, available: available, fields: fields, dropped: dropped),
                             currency: currencyCode(answer.currency) ?? currencyCode(balanceCurrency))
    }

    /// Amounts in major units: `measure_id` 1 (or none); 2 (jiao, 0.1) and 3
    /// (fen, 0.01), which the old v1 API defined, are shifted on the digits;
    /// any other unit is refused rather than exported wrong.
    static func majorUnits(_ amount: JSONNumber, measureId: Int64?) throws(ProviderError) -> Double {
        let places: Int
        switch measureId ?? 1 {
        case 1: places = 0
        case 2: places = -1
        case 3: places = -2
        case let unknown:
            throw ProviderError(.bad_response, message: "measure_id \(unknown) is not a documented unit")
        }
        return amount.shiftingDecimalPoint(by: places).double
    }

    /// A currency code: 1 to 16 ASCII letters; anything else is no currency.
    static func currencyCode(_ text: String?) -> String? {
        guard let text, (1...16).contains(text.utf8.count),
              text.utf8.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else { return nil }
        return text
    }
}
