import BalanceHTTP
import BalanceSupport

/// How a provider plugs into configuration: the keys it accepts, its
/// defaults, and how to build a client for one validated account.
package struct ProviderSchema: Sendable {
    /// The `provider` value in the configuration and the `provider` label.
    package let name: String
    package let defaultEndpoint: String
    /// Provider-specific account keys (beyond the common ones:
    /// name, provider, endpoint, uin, currency, refresh_interval).
    package let keys: [ConfigKeySpec]
    /// Provider-wide calls per second; nil where the upstream counts its
    /// limit per identity only.
    package let defaultRequestsPerSecond: Double?
    /// Calls per second per upstream identity (the `uin`, or `identityKeys`
    /// until it is known); nil where the upstream does not count per account.
    package let defaultRequestsPerSecondPerIdentity: Double?
    package let defaultMaxConcurrency: Int
    /// The keys that, with the endpoint, say whose balance an account reads
    /// (Tencent Cloud: `secret_id`, `role_arn`): two accounts alike in all of
    /// them read the same one (`DuplicateAccounts`). Empty: not known.
    package let identityKeys: [String]
    /// The environment variables that, without a configuration file, define
    /// one account of this provider (zero-config); nil: none.
    package let environmentAccount: EnvironmentAccount?
    /// Builds the client; throws `ConfigProblem`s for account-level problems
    /// the key specs cannot express (for example two keys that go together).
    package let make: @Sendable (AccountConfig, ProviderContext) throws(ConfigProblems) -> any BalanceProvider

    package init(name: String, defaultEndpoint: String, keys: [ConfigKeySpec],
                defaultRequestsPerSecond: Double?, defaultRequestsPerSecondPerIdentity: Double? = nil, defaultMaxConcurrency: Int,
                identityKeys: [String] = [],
                environmentAccount: EnvironmentAccount? = nil,
                make: @escaping @Sendable (AccountConfig, ProviderContext) throws(ConfigProblems) -> any BalanceProvider) {
        self.name = name
        self.defaultEndpoint = defaultEndpoint
        self.keys = keys
        self.defaultRequestsPerSecond = defaultRequestsPerSecond
        self.defaultRequestsPerSecondPerIdentity = defaultRequestsPerSecondPerIdentity
        self.defaultMaxConcurrency = defaultMaxConcurrency
        self.identityKeys = identityKeys
        self.environmentAccount = environmentAccount
        self.make = make
    }

    /// The limits of a configuration that sets none under `providers`.
    package var defaultLimits: ProviderLimits {
        ProviderLimits(requestsPerSecond: defaultRequestsPerSecond, requestsPerSecondPerIdentity: defaultRequestsPerSecondPerIdentity,
                       maxConcurrency: defaultMaxConcurrency, identityKeys: identityKeys)
    }
}

/// Environment variables that stand for account keys in zero-config mode.
package struct EnvironmentAccount: Sendable {
    package struct Variable: Sendable {
        package var name: String
        package var key: String
        package init(_ name: String, key: String) {
            self.name = name
            self.key = key
        }
    }
    /// All of them, or none, must be set.
    package var required: [Variable]
    package var optional: [Variable]
    package init(required: [Variable], optional: [Variable] = []) {
        self.required = required
        self.optional = optional
    }
}

package struct ConfigKeySpec: Sendable, Equatable {
    package enum Kind: String, Sendable {
        /// A string; may also be given as `KEY_env` (an environment variable's
        /// name) or `KEY_file` (a file whose content, trimmed, is the value).
        case string
        case bool
        /// A Prometheus-style duration string: `500ms`, `30s`, `5m`, `1h`.
        case duration
        case number
    }
    package let name: String
    package let kind: Kind
    package let required: Bool
    /// Redacted in every output (`--config.check`, logs).
    package let secret: Bool

    package init(_ name: String, _ kind: Kind, required: Bool = false, secret: Bool = false) {
        self.name = name
        self.kind = kind
        self.required = required
        self.secret = secret
    }
}

/// A validated value of a provider-specific key.
package enum ConfigValue: Sendable, Equatable {
    case string(String)
    case bool(Bool)
    /// Seconds.
    case duration(Double)
    case number(Double)
}

/// One validated account.
package struct AccountConfig: Sendable, Equatable {
    /// Where the account is defined, the prefix of its configuration
    /// problems: `accounts[2] "prod-intl"` (its place in the file), or
    /// `environment` for a zero-config account. Not part of its identity:
    /// an account moved within the file is the same account.
    package var location: String
    package var name: String
    package var provider: String
    package var endpoint: String
    package var uin: String?
    package var currency: String?
    /// Seconds.
    package var refreshInterval: Double
    /// Provider-specific keys, resolved (`_env` and `_file` already read).
    package var values: [String: ConfigValue]
    /// How its upstream calls go out: `proxy_url`, `ca_file`.
    package var network: UpstreamNetwork

    package init(name: String, provider: String, endpoint: String, uin: String? = nil, currency: String? = nil,
                refreshInterval: Double, values: [String: ConfigValue] = [:], network: UpstreamNetwork = UpstreamNetwork(),
                location: String? = nil) {
        self.network = network
        self.location = location ?? "account \"\(name)\""
        self.name = name
        self.provider = provider
        self.endpoint = endpoint
        self.uin = uin
        self.currency = currency
        self.refreshInterval = refreshInterval
        self.values = values
    }

    package static func == (a: AccountConfig, b: AccountConfig) -> Bool {
        a.name == b.name && a.provider == b.provider && a.endpoint == b.endpoint && a.uin == b.uin
            && a.currency == b.currency && a.refreshInterval == b.refreshInterval && a.values == b.values && a.network == b.network
    }

    /// The location of the account at index `index` of the file's `accounts`.
    package static func location(index: Int, name: String?) -> String {
        name.map { "accounts[\(index)] \"\($0)\"" } ?? "accounts[\(index)]"
    }

    package func string(_ key: String) -> String? {
        if case .string(let s)? = values[key] { return s }
        return nil
    }
    package func bool(_ key: String) -> Bool? {
        if case .bool(let b)? = values[key] { return b }
        return nil
    }
    package func duration(_ key: String) -> Double? {
        if case .duration(let d)? = values[key] { return d }
        return nil
    }
    package func number(_ key: String) -> Double? {
        if case .number(let n)? = values[key] { return n }
        return nil
    }
}

/// What a provider client is built with: every dependency injected.
package struct ProviderContext: Sendable {
    package var transport: any HTTPTransport
    package var clock: any WallClock
    package var logger: Logger
    /// The process environment (explicit, so tests are hermetic).
    package var environment: [String: String]
    package var userAgent: String
    /// Timeout for one upstream HTTP request, seconds.
    package var requestTimeout: Double

    package init(transport: any HTTPTransport, clock: any WallClock, logger: Logger,
                environment: [String: String], userAgent: String, requestTimeout: Double = 10) {
        self.transport = transport
        self.clock = clock
        self.logger = logger
        self.environment = environment
        self.userAgent = userAgent
        self.requestTimeout = requestTimeout
    }
}

/// A configuration problem, naming where it is (`accounts[2] "prod-intl"`)
/// and the key: `accounts[2] "prod-intl": secret_key: required when secret_id is set`.
package struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    package var location: String
    package var key: String?
    package var message: String
    package init(location: String, key: String?, message: String) {
        self.location = location
        self.key = key
        self.message = message
    }
    package var description: String {
        if let key { return "\(location): \(key): \(message)" }
        return "\(location): \(message)"
    }
}

package struct ConfigProblems: Error, Sendable, Equatable, CustomStringConvertible {
    package var problems: [ConfigProblem]
    package init(_ problems: [ConfigProblem]) { self.problems = problems }
    package var description: String { problems.map(\.description).joined(separator: "\n") }
}
