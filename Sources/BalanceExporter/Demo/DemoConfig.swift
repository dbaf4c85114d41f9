import BalanceCore

/// The exporter configuration `--demo` runs on: the demo accounts pointed at
/// the loopback simulators. Pure: accounts in, configuration out.
enum DemoConfig {
    /// How long a failing account's last values stay exported (the usual default, 10 m).
    static let maxStale = 600.0

    static func make(accounts: [AccountConfig], schemas: [ProviderSchema]) -> ExporterConfig {
        var limits: [String: ProviderLimits] = [:]
        for schema in schemas {
            limits[schema.name] = schema.defaultLimits
        }
        let located = accounts.enumerated().map { index, account in
            var account = account
            account.location = AccountConfig.location(index: index, name: account.name)
            return account
        }
        return ExporterConfig(refreshInterval: 10, maxStale: maxStale, providerLimits: limits, accounts: located,
                              source: "demo (simulated upstreams)")
    }
}
