import BalanceCore

/// The Huawei Cloud families: the only place their names and HELP texts
/// live. The per-account-type families carry the label `account_type`
/// (`HuaweiBalanceMapping.accountTypeLabel`). Money is in major currency units.
package enum HuaweiMetrics {
    static func gauge(_ field: String, _ help: String) -> MetricDescriptor {
        MetricDescriptor(name: "balance_huaweicloud_\(field)", type: .gauge, help: "\(help) \(Catalog.cached)")
    }

    package static let accountAmount = gauge(
        "account_amount",
        "Huawei Cloud account_balances[].amount: balance of one account type (balance, credit, bonus, deposit, or Huawei's type code); for credit Huawei documents the total credit limit. Major currency units.")
    package static let accountDesignatedAmount = gauge(
        "account_designated_amount",
        "Huawei Cloud account_balances[].designated_amount: earmarked funds of one account type, major currency units.")
    package static let accountCreditAmount = gauge(
        "account_credit_amount",
        "Huawei Cloud account_balances[].credit_amount: total credit line of one account type, major currency units.")
    package static let debtAmount = gauge(
        "debt_amount",
        "Huawei Cloud debt_amount: total amount owed (arrears), major currency units.")

    /// Every Huawei Cloud family.
    package static let all = [accountAmount, accountDesignatedAmount, accountCreditAmount, debtAmount]
}
