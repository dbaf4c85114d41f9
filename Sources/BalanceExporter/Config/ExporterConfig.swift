/// The one validated configuration value the exporter runs on: built from
/// the configuration file (or the environment in zero-config mode) by
/// `ConfigLoader`, replaced whole on reload.
public struct ExporterConfig: Sendable, Equatable {
    public static let defaultRefreshInterval: Double = 60
    public static let defaultMaxStale: Double = 600
    /// Below this an account would hammer its upstream; 1 s is allowed for tests.
    public static let minimumRefreshInterval: Double = 1

    /// Default refresh interval of accounts that set none, seconds.
    public var refreshInterval: Double
    /// How long the last good values of a failing account keep being exported, seconds.
    public var maxStale: Double
    /// Rate limit and concurrency cap per provider name (every known provider present).
    public var providerLimits: [String: ProviderLimits]
    public var accounts: [AccountConfig]
    /// Where it came from, for logs: a file path, or "environment".
    public var source: String

    public init(refreshInterval: Double = defaultRefreshInterval, maxStale: Double = defaultMaxStale,
                providerLimits: [String: ProviderLimits] = [:], accounts: [AccountConfig] = [], source: String = "") {
        self.refreshInterval = refreshInterval
        self.maxStale = maxStale
        self.providerLimits = providerLimits
        self.accounts = accounts
        self.source = source
    }
}

/// Per provider: the request-rate limit and the cap on concurrent upstream
/// calls, shared by all accounts of that provider.
public struct ProviderLimits: Sendable, Equatable {
    public var requestsPerSecond: Double
    public var maxConcurrency: Int
    public init(requestsPerSecond: Double, maxConcurrency: Int) {
        self.requestsPerSecond = requestsPerSecond
        self.maxConcurrency = maxConcurrency
    }
}
