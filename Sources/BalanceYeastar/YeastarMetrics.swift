import BalanceCore

/// The Yeastar provider's metric descriptors.
package enum YeastarMetrics {
    package static let accountBalance = MetricDescriptor(
        name: "balance_yeastar_account_balance", type: .gauge,
        help: "Yeastar Partner Portal accountBalance, major currency units. \(Catalog.cached)")
}
