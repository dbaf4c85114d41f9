import BalanceHTTP

/// The one validated configuration value the exporter runs on: built from
/// the configuration file (or the environment in zero-config mode) by
/// `ConfigLoader`, replaced whole on reload.
package struct ExporterConfig: Sendable, Equatable {
    package static let defaultRefreshInterval: Double = 60
    package static let defaultMaxStale: Double = 600
    /// Below this an account would hammer its upstream; 1 s is allowed for tests.
    package static let minimumRefreshInterval: Double = 1

    /// Default refresh interval of accounts that set none, seconds.
    package var refreshInterval: Double
    /// How long the last good values of a failing account keep being exported, seconds.
    package var maxStale: Double
    /// Rate limit and concurrency cap per provider name (every known provider present).
    package var providerLimits: [String: ProviderLimits]
    package var accounts: [AccountConfig]
    /// Where it came from, for logs: a file path, or "environment".
    package var source: String

    package init(refreshInterval: Double = defaultRefreshInterval, maxStale: Double = defaultMaxStale,
                providerLimits: [String: ProviderLimits] = [:], accounts: [AccountConfig] = [], source: String = "") {
        self.refreshInterval = refreshInterval
        self.maxStale = maxStale
        self.providerLimits = providerLimits
        self.accounts = accounts
        self.source = source
    }
}

/// How one account's upstream calls go out (its `proxy_url` and `ca_file`,
/// else the top level's): every call of the account (balance, STS, token
/// endpoints) goes through the transport built from it.
package struct UpstreamNetwork: Sendable, Equatable, Hashable {
    /// No `proxy_url`: the environment's (`HTTPS_PROXY`...); `""`: none.
    package var proxy: ProxySetting = .environment
    /// A PEM bundle trusted instead of the system's; nil: the system's.
    package var caFile: String?

    package init(proxy: ProxySetting = .environment, caFile: String? = nil) {
        self.proxy = proxy
        self.caFile = caFile
    }
}

/// Per provider: the limits its accounts' upstream calls keep (see `ProviderGate`).
package struct ProviderLimits: Sendable, Equatable {
    /// Calls per second of all the provider's accounts together
    /// (`requests_per_second`); nil: no provider-wide rate cap.
    package var requestsPerSecond: Double?
    /// Calls per second of the accounts of one upstream identity together
    /// (`requests_per_second_per_identity`), where the upstream counts its
    /// limit per account; nil: not counted per identity.
    package var requestsPerSecondPerIdentity: Double?
    /// Calls in flight at once, of all the provider's accounts (`max_concurrency`).
    package var maxConcurrency: Int
    /// The account keys that name the identity until the upstream has
    /// reported the account's `uin` (the schema's `identityKeys`).
    package var identityKeys: [String]

    package init(requestsPerSecond: Double?, requestsPerSecondPerIdentity: Double? = nil, maxConcurrency: Int,
                identityKeys: [String] = []) {
        self.requestsPerSecond = requestsPerSecond
        self.requestsPerSecondPerIdentity = requestsPerSecondPerIdentity
        self.maxConcurrency = maxConcurrency
        self.identityKeys = identityKeys
    }
}
