import BalanceHTTP
import BalanceSupport

/// One simulated Tencent Cloud account as `DescribeAccountBalance` reports
/// it. Every field is optional (absent from the response when nil); amounts
/// are cents, as the real API sends them.
package struct SimulatedTencentAccount: Sendable, Equatable {
    package enum Uin: Sendable, Equatable {
        case number(UInt64)
        /// An older documented example sends the Uin as a string.
        case string(String)
    }

    package struct TempAmount: Sendable, Equatable {
        package var uin: String
        package var amountCents: Int64
        /// Beijing time, `yyyy-MM-dd HH:mm:ss`, as Tencent writes it.
        package var startTime: String
        package var endTime: String
        package init(uin: String, amountCents: Int64, startTime: String, endTime: String) {
            self.uin = uin
            self.amountCents = amountCents
            self.startTime = startTime
            self.endTime = endTime
        }
    }

    package var uin: Uin?
    package var balance: Int64?
    package var realBalance: Int64?
    package var cashAccountBalance: Int64?
    package var incomeIntoAccountBalance: Int64?
    package var presentAccountBalance: Int64?
    package var freezeAmount: Int64?
    package var oweAmount: Int64?
    package var isAllowArrears: Bool?
    package var isCreditLimited: Bool?
    package var creditAmount: Int64?
    package var creditBalance: Int64?
    package var realCreditBalance: Int64?
    /// Sent, with `tempAmounts`, only when the request asks `{"TempCredit":true}`.
    package var tempCredit: Int64?
    package var tempAmounts: [TempAmount]?
    /// Response field names sent as JSON `null` whatever their value above.
    package var nullFields: Set<String>
    /// Response fields sent verbatim as raw JSON (`"Balance": "12.5e2"`), replacing the typed value.
    package var rawFields: [String: String]

    package init(uin: Uin? = nil, balance: Int64? = nil, realBalance: Int64? = nil, cashAccountBalance: Int64? = nil,
                incomeIntoAccountBalance: Int64? = nil, presentAccountBalance: Int64? = nil, freezeAmount: Int64? = nil,
                oweAmount: Int64? = nil, isAllowArrears: Bool? = nil, isCreditLimited: Bool? = nil,
                creditAmount: Int64? = nil, creditBalance: Int64? = nil, realCreditBalance: Int64? = nil,
                tempCredit: Int64? = nil, tempAmounts: [TempAmount]? = nil,
                nullFields: Set<String> = [], rawFields: [String: String] = [:]) {
        self.uin = uin
        self.balance = balance
        self.realBalance = realBalance
        self.cashAccountBalance = cashAccountBalance
        self.incomeIntoAccountBalance = incomeIntoAccountBalance
        self.presentAccountBalance = presentAccountBalance
        self.freezeAmount = freezeAmount
        self.oweAmount = oweAmount
        self.isAllowArrears = isAllowArrears
        self.isCreditLimited = isCreditLimited
        self.creditAmount = creditAmount
        self.creditBalance = creditBalance
        self.realCreditBalance = realCreditBalance
        self.tempCredit = tempCredit
        self.tempAmounts = tempAmounts
        self.nullFields = nullFields
        self.rawFields = rawFields
    }

    /// The `Response` members as JSON text, in the documented order.
    func responseMembers(includeTempCredit: Bool) -> [(key: String, json: String)] {
        func cents(_ amount: Int64?) -> JSONValue? { amount.map { .number(.int($0)) } }
        var members: [(String, JSONValue?)] = [
            ("Balance", cents(balance)),
            ("Uin", uin.map { uin in
                switch uin {
                case .number(let n): return .number(JSONNumber(n))
                case .string(let s): return .string(s)
                }
            }),
            ("RealBalance", cents(realBalance)),
            ("CashAccountBalance", cents(cashAccountBalance)),
            ("IncomeIntoAccountBalance", cents(incomeIntoAccountBalance)),
            ("PresentAccountBalance", cents(presentAccountBalance)),
            ("FreezeAmount", cents(freezeAmount)),
            ("OweAmount", cents(oweAmount)),
            ("IsAllowArrears", isAllowArrears.map(JSONValue.bool)),
            ("IsCreditLimited", isCreditLimited.map(JSONValue.bool)),
            ("CreditAmount", cents(creditAmount)),
            ("CreditBalance", cents(creditBalance)),
            ("RealCreditBalance", cents(realCreditBalance)),
        ]
        if includeTempCredit {
            members.append(("TempCredit", cents(tempCredit)))
            members.append(("TempAmountInfoList", tempAmounts.map { list in
                .array(list.map { t in
                    .object(["Uin": .string(t.uin), "TempAmount": .number(.int(t.amountCents)),
                             "StartTime": .string(t.startTime), "EndTime": .string(t.endTime)])
                })
            }))
        }
        var out: [(key: String, json: String)] = []
        var written = Set<String>()
        for (name, value) in members {
            written.insert(name)
            if nullFields.contains(name) { out.append((name, "null")); continue }
            if let raw = rawFields[name] { out.append((name, raw)); continue }
            if let value { out.append((name, value.text)) }
        }
        for name in nullFields.sorted() where !written.contains(name) { out.append((name, "null")) }
        for (name, raw) in rawFields.sorted(by: { $0.key < $1.key }) where !written.contains(name) && !nullFields.contains(name) {
            out.append((name, raw))
        }
        return out
    }
}
