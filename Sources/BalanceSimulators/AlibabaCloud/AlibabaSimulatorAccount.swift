import BalanceSupport

/// Which Alibaba Cloud site an account was registered on: a balance request
/// to the other site's endpoint is answered `NotApplicable`.
package enum AlibabaSimulatorSite: Sendable, Equatable {
    case china
    case international

    /// The `HostId` of the site's error envelopes.
    var hostID: String { self == .china ? "business.aliyuncs.com" : "business.ap-southeast-1.aliyuncs.com" }
}

/// Who holds a simulated key, as `GetCallerIdentity` reports it.
package enum AlibabaSimulatorPrincipal: Sendable, Equatable {
    /// The main account's own AccessKey.
    case account
    case ramUser(String)
    case assumedRole(role: String, session: String)
}

/// One simulated account as `QueryAccountBalance` reports it. Every field is
/// the raw decimal text sent as a JSON string (`"1,234.56"`, `"-11.19"`, or
/// no number at all), absent when nil.
package struct AlibabaSimulatorAccount: Sendable, Equatable {
    package var availableAmount: String?
    package var availableCashAmount: String?
    package var creditAmount: String?
    package var mybankCreditAmount: String?
    package var quotaLimit: String?
    package var currency: String?
    package var site: AlibabaSimulatorSite
    /// `Data` members sent as JSON `null` whatever their value above.
    package var nullFields: Set<String>
    /// `Data` members sent verbatim as raw JSON (`"AvailableAmount": 12.5`), replacing the value above.
    package var rawFields: [String: String]

    package init(availableAmount: String? = nil, availableCashAmount: String? = nil, creditAmount: String? = nil,
                 mybankCreditAmount: String? = nil, quotaLimit: String? = nil, currency: String? = nil,
                 site: AlibabaSimulatorSite = .china, nullFields: Set<String> = [], rawFields: [String: String] = [:]) {
        self.availableAmount = availableAmount
        self.availableCashAmount = availableCashAmount
        self.creditAmount = creditAmount
        self.mybankCreditAmount = mybankCreditAmount
        self.quotaLimit = quotaLimit
        self.currency = currency
        self.site = site
        self.nullFields = nullFields
        self.rawFields = rawFields
    }

    /// `Data` as JSON text, members in the documented example's order.
    var dataJSON: String {
        let members: [(String, String?)] = [
            ("AvailableAmount", availableAmount), ("CreditAmount", creditAmount), ("MybankCreditAmount", mybankCreditAmount),
            ("Currency", currency), ("AvailableCashAmount", availableCashAmount), ("QuotaLimit", quotaLimit),
        ]
        var out: [(key: String, json: String)] = []
        for (name, value) in members {
            if nullFields.contains(name) {
                out.append((name, "null"))
            } else if let raw = rawFields[name] {
                out.append((name, raw))
            } else if let value {
                out.append((name, JSONValue.string(value).text))
            }
        }
        let written = Set(members.map(\.0))
        for name in nullFields.sorted() where !written.contains(name) { out.append((name, "null")) }
        for (name, raw) in rawFields.sorted(by: { $0.key < $1.key }) where !written.contains(name) && !nullFields.contains(name) {
            out.append((name, raw))
        }
        return JSONValue.objectText(out)
    }
}

/// A scripted answer for the next request of one action, in order.
package enum AlibabaSimulatorFault: Sendable, Equatable {
    /// The gateway's error envelope with this code and HTTP status.
    case error(code: String, message: String, status: Int)
    /// `Throttling.User` (HTTP 400), with `x-acs-retry-after` in milliseconds when given.
    case throttled(retryAfterMilliseconds: Int?)
    /// HTTP 429 with an HTML body and this `Retry-After`, as a front proxy sends.
    case tooManyRequests(retryAfter: String)
    /// This HTTP status with an HTML body, as a gateway sends.
    case httpStatus(Int)
    /// HTTP 200 with a body that is not JSON.
    case garbage
    /// HTTP 200 with the real answer cut in half.
    case truncatedJSON
    /// This status and JSON text verbatim (`{"Success":false}`).
    case body(status: Int, json: String)
}
