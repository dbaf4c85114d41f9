import BalanceCore

/// The Alibaba Cloud families: one gauge per field of `QueryAccountBalance`'s
/// `Data`, named `balance_alibabacloud_<field in snake_case>`, in major units
/// (https://www.alibabacloud.com/help/en/user-center/developer-reference/api-bssopenapi-2017-12-14-queryaccountbalance).
package enum AlibabaMetrics {
    static func gauge(_ field: String, _ help: String) -> MetricDescriptor {
        MetricDescriptor(name: "balance_alibabacloud_\(field)", type: .gauge, help: "\(help) \(Catalog.cached)")
    }

    package static let availableAmount = gauge("available_amount", "Alibaba Cloud AvailableAmount: available balance (negative when the account owes money), major currency units.")
    package static let availableCashAmount = gauge("available_cash_amount", "Alibaba Cloud AvailableCashAmount: cash balance, major currency units.")
    package static let creditAmount = gauge("credit_amount", "Alibaba Cloud CreditAmount: credit line, major currency units.")
    package static let mybankCreditAmount = gauge("mybank_credit_amount", "Alibaba Cloud MybankCreditAmount: MYbank credit line, major currency units.")
    package static let quotaLimit = gauge("quota_limit", "Alibaba Cloud QuotaLimit: quota limit of a reseller's customer, major currency units.")

    /// `Data`'s amount fields and their families, in the documented order.
    package static let fields: [(key: String, descriptor: MetricDescriptor)] = [
        ("AvailableAmount", availableAmount),
        ("AvailableCashAmount", availableCashAmount),
        ("CreditAmount", creditAmount),
        ("MybankCreditAmount", mybankCreditAmount),
        ("QuotaLimit", quotaLimit),
    ]
}
