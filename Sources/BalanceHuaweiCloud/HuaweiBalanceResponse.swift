import BalanceCore
import BalanceSupport

/// The documented fields of `ShowCustomerAccountBalances`
/// (https://support.huaweicloud.com/intl/en-us/api-oce/mac_00001.html), read
/// exactly, pure. Any field may be absent or null (then nil); one present
/// with the wrong type is a bad response, never a made-up value.
struct HuaweiAccountBalances: Sendable, Equatable {
    /// One entry of `account_balances`: one kind of account.
    struct Entry: Sendable, Equatable {
        /// A book id per account type (`AT001017264D6E9FF7`), not the account (domain) id.
        var accountId: String?
        /// 1 balance (cash), 2 credit, 5 bonus, 7 deposit; others undocumented.
        var accountType: Int64?
        /// For credit accounts the international documentation says the total credit limit.
        var amount: JSONNumber?
        /// Earmarked funds.
        var designatedAmount: JSONNumber?
        /// The total credit line, "only present for credit accounts".
        var creditAmount: JSONNumber?
        var currency: String?
        /// The unit of the amounts: documented only 1, major units.
        var measureId: Int64?
    }

    var entries: [Entry]
    /// The total owed; the sign is undocumented.
    var debtAmount: JSONNumber?
    /// The unit of `debtAmount`.
    var measureId: Int64?
    var currency: String?

    /// The documented fields of a successful answer's JSON object (`HuaweiResponse.read`).
    init(_ object: [String: JSONValue]) throws(ProviderError) {
        func bad(_ message: String) -> ProviderError { ProviderError(.bad_response, message: message) }
        var entries: [Entry] = []
        switch object["account_balances"] {
        case nil, .null?: break
        case .array(let list)?:
            for (index, element) in list.enumerated() {
                guard let entry = element.object else { throw bad("account_balances[\(index)] is \(element.typeName), not an object") }
                let field = "account_balances[\(index)]."
                entries.append(Entry(
                    accountId: try Self.string(entry["account_id"], field + "account_id"),
                    accountType: try Self.integer(entry["account_type"], field + "account_type"),
                    amount: try Self.amount(entry["amount"], field + "amount"),
                    designatedAmount: try Self.amount(entry["designated_amount"], field + "designated_amount"),
                    creditAmount: try Self.amount(entry["credit_amount"], field + "credit_amount"),
                    currency: try Self.string(entry["currency"], field + "currency"),
                    measureId: try Self.integer(entry["measure_id"], field + "measure_id")))
            }
        case let other?:
            throw bad("account_balances is \(other.typeName), not an array")
        }
        self.entries = entries
        debtAmount = try Self.amount(object["debt_amount"], "debt_amount")
        measureId = try Self.integer(object["measure_id"], "measure_id")
        currency = try Self.string(object["currency"], "currency")
    }

    /// A JSON number, or decimal text (`"1,234.56"`, read by `DecimalAmount`); absent or null is nil.
    static func amount(_ value: JSONValue?, _ field: String) throws(ProviderError) -> JSONNumber? {
        switch value {
        case nil, .null?: return nil
        case .number(let number)?: return number
        case .string(let text)?:
            guard let number = DecimalAmount.parse(text) else {
                throw ProviderError(.bad_response, message: "\(field) is not an amount: \"\(UpstreamText.cap(text, 40))\"")
            }
            return number
        case let other?:
            throw ProviderError(.bad_response, message: "\(field) is \(other.typeName), not a number")
        }
    }

    /// A whole number (or its digits as text) within Int64; absent or null is nil.
    static func integer(_ value: JSONValue?, _ field: String) throws(ProviderError) -> Int64? {
        guard let value, value != .null else { return nil }
        guard let number = value.numberOrNumericString?.int64 else {
            throw ProviderError(.bad_response, message: "\(field) is not a whole number")
        }
        return number
    }

    static func string(_ value: JSONValue?, _ field: String) throws(ProviderError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw ProviderError(.bad_response, message: "\(field) is \(other.typeName), not a string")
        }
    }
}
