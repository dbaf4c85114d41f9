import BalanceCore
import BalanceSupport
import BalanceTencentCloud
import BalanceYeastar

/// The exporter configuration `--demo` runs on: the demo accounts pointed at
/// the loopback simulators. Pure: endpoints in, configuration out.
enum DemoConfig {
    /// How long a failing account's last values stay exported (the usual default, 10 m).
    static let maxStale = 600.0

    static func make(tencentEndpoint: String, yeastarEndpoint: String,
                     tencent: [DemoTencentAccount] = DemoTencentAccounts.all,
                     yeastar: [DemoYeastarAccount] = DemoYeastarAccounts.all) -> ExporterConfig {
        var accounts: [AccountConfig] = []
        for account in tencent {
            var values: [String: ConfigValue] = [
                "secret_id": .string(account.secretId),
                "secret_key": .string(account.secretKey),
            ]
            if account.tempCredit { values["temp_credit"] = .bool(true) }
            accounts.append(AccountConfig(name: account.name, provider: TencentCloud.schema.name, endpoint: tencentEndpoint,
                                          currency: account.currency, refreshInterval: account.refreshInterval, values: values))
        }
        for account in yeastar {
            accounts.append(AccountConfig(name: account.name, provider: Yeastar.schema.name, endpoint: yeastarEndpoint,
                                          currency: account.currency, refreshInterval: account.refreshInterval,
                                          values: ["client_id": .string(account.clientID),
                                                   "client_secret": .string(account.clientSecret)]))
        }
        var limits: [String: ProviderLimits] = [:]
        for schema in [TencentCloud.schema, Yeastar.schema] {
            limits[schema.name] = schema.defaultLimits
        }
        return ExporterConfig(refreshInterval: 10, maxStale: maxStale, providerLimits: limits, accounts: accounts,
                              source: "demo (simulated upstreams)")
    }
}
