import BalanceExporter

print("balance_exporter \(BuildInfo.version)")
