import BalanceCore

/// The Volcengine provider's metric descriptors: one gauge per amount of
/// `QueryBalanceAcct`'s `Result`, in major currency units, named
/// `balance_volcengine_<field in snake_case>`. `AvailableBalance` is also
/// `balance_available`.
package enum VolcengineMetrics {
    static func gauge(_ field: String, _ help: String) -> MetricDescriptor {
        MetricDescriptor(name: "balance_volcengine_\(field)", type: .gauge, help: "\(help) \(Catalog.cached)")
    }
    package static let availableBalance = gauge("available_balance", "Volcengine AvailableBalance: available balance (source of balance_available), major currency units.")
    package static let cashBalance = gauge("cash_balance", "Volcengine CashBalance: cash balance, major currency units.")
    package static let creditLimit = gauge("credit_limit", "Volcengine CreditLimit: credit limit, major currency units.")
    package static let arrearsBalance = gauge("arrears_balance", "Volcengine ArrearsBalance: amount owed (arrears), major currency units.")
    package static let freezeAmount = gauge("freeze_amount", "Volcengine FreezeAmount: frozen amount, major currency units.")
}
