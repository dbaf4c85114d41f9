import BalanceCore

/// The Tencent Cloud provider's metric descriptors: one gauge per documented
/// field of `DescribeAccountBalance`, amounts converted exactly from cents to
/// major currency units.
package enum TencentMetrics {
    static func gauge(_ field: String, _ help: String) -> MetricDescriptor {
        MetricDescriptor(name: "balance_tencentcloud_\(field)", type: .gauge, help: "\(help) \(Catalog.cached)")
    }
    package static let balance = gauge("balance", "Tencent Cloud Balance (same as RealBalance, kept by Tencent for compatibility), major currency units.")
    package static let realBalance = gauge("real_balance", "Tencent Cloud RealBalance: available balance, major currency units.")
    package static let cashAccountBalance = gauge("cash_account_balance", "Tencent Cloud CashAccountBalance: cash account balance, major currency units.")
    package static let incomeIntoAccountBalance = gauge("income_into_account_balance", "Tencent Cloud IncomeIntoAccountBalance: income account balance, major currency units.")
    package static let presentAccountBalance = gauge("present_account_balance", "Tencent Cloud PresentAccountBalance: gift (present) account balance, major currency units.")
    package static let freezeAmount = gauge("freeze_amount", "Tencent Cloud FreezeAmount: frozen amount, major currency units.")
    package static let oweAmount = gauge("owe_amount", "Tencent Cloud OweAmount: amount owed (arrears), major currency units.")
    package static let creditAmount = gauge("credit_amount", "Tencent Cloud CreditAmount: credit limit, major currency units.")
    package static let creditBalance = gauge("credit_balance", "Tencent Cloud CreditBalance: available credit, major currency units.")
    package static let realCreditBalance = gauge("real_credit_balance", "Tencent Cloud RealCreditBalance: real available credit, major currency units.")
    package static let tempCredit = gauge("temp_credit", "Tencent Cloud TempCredit: total temporary credit, major currency units.")
    package static let isAllowArrears = gauge("is_allow_arrears", "Tencent Cloud IsAllowArrears: 1 if the account may go into arrears, else 0.")
    package static let isCreditLimited = gauge("is_credit_limited", "Tencent Cloud IsCreditLimited: 1 if the account's credit is limited, else 0.")
    package static let tempCreditAmount = gauge("temp_credit_amount", "Tencent Cloud TempAmountInfoList: amount of one temporary credit, major currency units.")
    package static let tempCreditStart = gauge("temp_credit_start_timestamp_seconds", "Tencent Cloud TempAmountInfoList: Unix time in seconds when one temporary credit starts (upstream times read as Beijing time, UTC+8).")
    package static let tempCreditEnd = gauge("temp_credit_end_timestamp_seconds", "Tencent Cloud TempAmountInfoList: Unix time in seconds when one temporary credit ends (upstream times read as Beijing time, UTC+8).")
}
