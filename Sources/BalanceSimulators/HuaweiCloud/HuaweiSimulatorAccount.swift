import BalanceSupport

/// One simulated Huawei Cloud account (domain) as `ShowCustomerAccountBalances`
/// reports it. Amounts are raw JSON text sent verbatim, so a test can send
/// any lexeme: `"1234.56"` (a number, as Huawei sends), `"\"1,234.56\""` (a
/// string), `"-5"`, `"null"`; nil leaves the member out.
package struct HuaweiSimulatorAccount: Sendable, Equatable {
    package enum Site: String, Sendable {
        case china, international, europe
    }

    /// One entry of `account_balances`.
    package struct Entry: Sendable, Equatable {
        package var accountId: String?
        /// 1 balance, 2 credit, 5 bonus, 7 deposit, anything else undocumented.
        package var accountType: Int
        package var amount: String?
        package var designatedAmount: String?
        package var creditAmount: String?
        package var currency: String?
        package var measureId: Int?

        package init(accountType: Int, amount: String?, designatedAmount: String? = nil, creditAmount: String? = nil,
                     currency: String? = "CNY", measureId: Int? = 1, accountId: String? = nil) {
            self.accountId = accountId ?? "AT00\(accountType)SIMULATED"
            self.accountType = accountType
            self.amount = amount
            self.designatedAmount = designatedAmount
            self.creditAmount = creditAmount
            self.currency = currency
            self.measureId = measureId
        }
    }

    /// The account name IAM reports with the domain id.
    package var name: String
    /// The site the account was registered at: another site's endpoint answers `CBC.0156`.
    package var site: Site
    package var entries: [Entry]
    package var debtAmount: String?
    package var measureId: Int?
    package var currency: String?
    /// Top-level members sent verbatim, replacing the typed ones or added after them.
    package var rawMembers: [String: String]

    package init(name: String, site: Site = .china, entries: [Entry], debtAmount: String? = "0", measureId: Int? = 1,
                 currency: String? = "CNY", rawMembers: [String: String] = [:]) {
        self.name = name
        self.site = site
        self.entries = entries
        self.debtAmount = debtAmount
        self.measureId = measureId
        self.currency = currency
        self.rawMembers = rawMembers
    }

    /// The answer body, members in the documented order.
    func balanceBody() -> String {
        func string(_ text: String?) -> String? { text.map { JSONValue.string($0).text } }
        func number(_ value: Int?) -> String? { value.map(String.init) }
        let list = "[" + entries.map { entry in
            members([("account_id", string(entry.accountId)), ("account_type", String(entry.accountType)),
                     ("amount", entry.amount), ("currency", string(entry.currency)),
                     ("designated_amount", entry.designatedAmount), ("credit_amount", entry.creditAmount),
                     ("measure_id", number(entry.measureId))])
        }.joined(separator: ",") + "]"
        var top: [(String, String?)] = [("account_balances", list), ("debt_amount", debtAmount),
                                        ("measure_id", number(measureId)), ("currency", string(currency))]
        top = top.map { ($0.0, rawMembers[$0.0] ?? $0.1) }
        top += rawMembers.sorted { $0.key < $1.key }.filter { raw in !top.contains { $0.0 == raw.key } }.map { ($0.key, $0.value) }
        return members(top)
    }

    private func members(_ list: [(String, String?)]) -> String {
        JSONValue.objectText(list.compactMap { key, json in json.map { (key, $0) } })
    }
}
