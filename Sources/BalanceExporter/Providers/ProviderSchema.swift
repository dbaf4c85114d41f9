/// How a provider plugs into configuration: the keys it accepts, its
/// defaults, and how to build a client for one validated account.
public struct ProviderSchema: Sendable {
    /// The `provider` value in the configuration and the `provider` label.
    public let name: String
    public let defaultEndpoint: String
    /// Provider-specific account keys (beyond the common ones:
    /// name, provider, endpoint, uin, currency, refresh_interval).
    public let keys: [ConfigKeySpec]
    public let defaultRequestsPerSecond: Double
    public let defaultMaxConcurrency: Int
    /// The keys that, with the endpoint, say whose balance an account reads
    /// (Tencent Cloud: `secret_id`, `role_arn`): two accounts alike in all of
    /// them read the same one (`DuplicateAccounts`). Empty: not known.
    public let identityKeys: [String]
    /// Builds the client; throws `ConfigProblem`s for account-level problems
    /// the key specs cannot express (for example two keys that go together).
    public let make: @Sendable (AccountConfig, ProviderContext) throws(ConfigProblems) -> any BalanceProvider

    public init(name: String, defaultEndpoint: String, keys: [ConfigKeySpec],
                defaultRequestsPerSecond: Double, defaultMaxConcurrency: Int, identityKeys: [String] = [],
                make: @escaping @Sendable (AccountConfig, ProviderContext) throws(ConfigProblems) -> any BalanceProvider) {
        self.name = name
        self.defaultEndpoint = defaultEndpoint
        self.keys = keys
        self.defaultRequestsPerSecond = defaultRequestsPerSecond
        self.defaultMaxConcurrency = defaultMaxConcurrency
        self.identityKeys = identityKeys
        self.make = make
    }
}

public struct ConfigKeySpec: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A string; may also be given as `KEY_env` (an environment variable's
        /// name) or `KEY_file` (a file whose content, trimmed, is the value).
        case string
        case bool
        /// A Prometheus-style duration string: `500ms`, `30s`, `5m`, `1h`.
        case duration
        case number
    }
    public let name: String
    public let kind: Kind
    public let required: Bool
    /// Redacted in every output (`--config.check`, logs).
    public let secret: Bool

    public init(_ name: String, _ kind: Kind, required: Bool = false, secret: Bool = false) {
        self.name = name
        self.kind = kind
        self.required = required
        self.secret = secret
    }
}

/// A validated value of a provider-specific key.
public enum ConfigValue: Sendable, Equatable {
    case string(String)
    case bool(Bool)
    /// Seconds.
    case duration(Double)
    case number(Double)
}

/// One validated account.
public struct AccountConfig: Sendable, Equatable {
    public var name: String
    public var provider: String
    public var endpoint: String
    public var uin: String?
    public var currency: String?
    /// Seconds.
    public var refreshInterval: Double
    /// Provider-specific keys, resolved (`_env` and `_file` already read).
    public var values: [String: ConfigValue]

    public init(name: String, provider: String, endpoint: String, uin: String? = nil, currency: String? = nil,
                refreshInterval: Double, values: [String: ConfigValue] = [:]) {
        self.name = name
        self.provider = provider
        self.endpoint = endpoint
        self.uin = uin
        self.currency = currency
        self.refreshInterval = refreshInterval
        self.values = values
    }

    public func string(_ key: String) -> String? {
        if case .string(let s)? = values[key] { return s }
        return nil
    }
    public func bool(_ key: String) -> Bool? {
        if case .bool(let b)? = values[key] { return b }
        return nil
    }
    public func duration(_ key: String) -> Double? {
        if case .duration(let d)? = values[key] { return d }
        return nil
    }
    public func number(_ key: String) -> Double? {
        if case .number(let n)? = values[key] { return n }
        return nil
    }
}

/// What a provider client is built with: every dependency injected.
public struct ProviderContext: Sendable {
    public var transport: any HTTPTransport
    public var clock: any WallClock
    public var logger: Logger
    /// The process environment (explicit, so tests are hermetic).
    public var environment: [String: String]
    public var userAgent: String
    /// Timeout for one upstream HTTP request, seconds.
    public var requestTimeout: Double

    public init(transport: any HTTPTransport, clock: any WallClock, logger: Logger,
                environment: [String: String], userAgent: String, requestTimeout: Double = 10) {
        self.transport = transport
        self.clock = clock
        self.logger = logger
        self.environment = environment
        self.userAgent = userAgent
        self.requestTimeout = requestTimeout
    }
}

/// A configuration problem, naming where it is (`accounts[2] (prod-intl)`)
/// and the key.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    public var location: String
    public var key: String?
    public var message: String
    public init(location: String, key: String?, message: String) {
        self.location = location
        self.key = key
        self.message = message
    }
    public var description: String {
        if let key { return "\(location): \(key): \(message)" }
        return "\(location): \(message)"
    }
}

public struct ConfigProblems: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [ConfigProblem]
    public init(_ problems: [ConfigProblem]) { self.problems = problems }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
