import BalanceHTTP
import BalanceSupport

/// Turns the configuration file (or, without one, the environment) into one
/// validated `ExporterConfig`, reporting every problem at once, each naming
/// the account and the key.
package struct ConfigLoader: Sendable {
    package struct Loaded: Sendable, Equatable {
        package var config: ExporterConfig
        /// Non-fatal findings (a secret file other users can read, no accounts).
        package var warnings: [String]

        package init(config: ExporterConfig, warnings: [String]) {
            self.config = config
            self.warnings = warnings
        }
    }

    package let schemas: [ProviderSchema]
    package let environment: [String: String]

    package init(schemas: [ProviderSchema], environment: [String: String]) {
        self.schemas = schemas
        self.environment = environment
    }

    static let topLevelKeys: Set<String> = ["refresh_interval", "max_stale", "providers", "accounts"]
    static let commonAccountKeys: Set<String> = ["name", "provider", "endpoint", "uin", "currency", "refresh_interval"]
    static let providerLimitKeys: Set<String> = ["requests_per_second", "max_concurrency"]

    /// Loads `path`, or the environment when `path` is nil.
    package func load(path: String?) -> Result<Loaded, ConfigProblems> {
        guard let path else { return fromEnvironment() }
        let bytes: [UInt8]
        do {
            bytes = try SecretFile.read(path)
        } catch {
            return .failure(ConfigProblems([ConfigProblem(location: "config file", key: nil, message: error.description)]))
        }
        var result = load(bytes: bytes, source: path)
        if case .success(var loaded) = result, let warning = SecretFile.readableByOthersWarning(path) {
            loaded.warnings.append("configuration file \(warning)")
            result = .success(loaded)
        }
        return result
    }

    package func load(bytes: [UInt8], source: String) -> Result<Loaded, ConfigProblems> {
        let document: JSONValue
        do {
            document = try JSONValue.decode(bytes)
        } catch {
            return .failure(ConfigProblems([ConfigProblem(location: "config file", key: nil, message: "not valid JSON: \(error)")]))
        }
        var problems: [ConfigProblem] = []
        var warnings: [String] = []
        guard case .object(let top) = document else {
            return .failure(ConfigProblems([ConfigProblem(location: "config file", key: nil, message: "expected an object at the top, got \(document.typeName)")]))
        }
        var reader = Reader(location: "config file", problems: [])
        for key in top.keys.sorted() where !Self.topLevelKeys.contains(key) {
            reader.problem(key, "unknown key (known: \(Self.topLevelKeys.sorted().joined(separator: ", ")))")
        }
        let refreshInterval = reader.duration(top, "refresh_interval", minimum: ExporterConfig.minimumRefreshInterval) ?? ExporterConfig.defaultRefreshInterval
        let maxStale = reader.duration(top, "max_stale", minimum: 0) ?? ExporterConfig.defaultMaxStale
        problems += reader.problems

        let limits = providerLimits(top["providers"], problems: &problems)

        var accounts: [AccountConfig] = []
        switch top["accounts"] {
        case nil, .null?:
            break
        case .array(let items)?:
            var seen: [String: Int] = [:]
            for (index, item) in items.enumerated() {
                if let account = self.account(item, index: index, defaultInterval: refreshInterval, problems: &problems, warnings: &warnings) {
                    if let first = seen[account.name] {
                        problems.append(ConfigProblem(location: "accounts[\(index)] \"\(account.name)\"", key: "name",
                                                      message: "duplicate account name (also accounts[\(first)])"))
                    } else {
                        seen[account.name] = index
                    }
                    accounts.append(account)
                }
            }
        case let other?:
            problems.append(ConfigProblem(location: "config file", key: "accounts", message: "expected an array, got \(other.typeName)"))
        }
        guard problems.isEmpty else { return .failure(ConfigProblems(problems)) }
        if accounts.isEmpty { warnings.append("no accounts configured in \(source): only the exporter's own metrics are served") }
        let config = ExporterConfig(refreshInterval: refreshInterval, maxStale: maxStale, providerLimits: limits,
                                    accounts: accounts, source: source)
        return .success(Loaded(config: config, warnings: warnings))
    }

    /// Zero-config: `TENCENTCLOUD_SECRET_ID` + `TENCENTCLOUD_SECRET_KEY` (and
    /// `TENCENTCLOUD_TOKEN`) define one Tencent Cloud account,
    /// `YEASTAR_CLIENT_ID` + `YEASTAR_CLIENT_SECRET` one Yeastar account.
    /// Half a pair is a problem naming the missing variable: silently
    /// watching nothing would hide the mistake.
    package func fromEnvironment() -> Result<Loaded, ConfigProblems> {
        var accounts: [AccountConfig] = []
        func env(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        var problems: [ConfigProblem] = []
        for (first, second) in [("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"), ("YEASTAR_CLIENT_ID", "YEASTAR_CLIENT_SECRET")]
        where (env(first) == nil) != (env(second) == nil) {
            let (present, missing) = env(first) == nil ? (second, first) : (first, second)
            problems.append(ConfigProblem(location: "environment", key: missing, message: "not set or empty, but \(present) is set: set both or neither"))
        }
        guard problems.isEmpty else { return .failure(ConfigProblems(problems)) }
        if let id = env("TENCENTCLOUD_SECRET_ID"), let key = env("TENCENTCLOUD_SECRET_KEY"), let schema = schema("tencentcloud") {
            var values: [String: ConfigValue] = ["secret_id": .string(id), "secret_key": .string(key)]
            if let token = env("TENCENTCLOUD_TOKEN") { values["token"] = .string(token) }
            accounts.append(AccountConfig(name: "tencentcloud", provider: schema.name, endpoint: schema.defaultEndpoint,
                                          refreshInterval: ExporterConfig.defaultRefreshInterval, values: values))
        }
        if let id = env("YEASTAR_CLIENT_ID"), let secret = env("YEASTAR_CLIENT_SECRET"), let schema = schema("yeastar") {
            accounts.append(AccountConfig(name: "yeastar", provider: schema.name, endpoint: schema.defaultEndpoint,
                                          refreshInterval: ExporterConfig.defaultRefreshInterval,
                                          values: ["client_id": .string(id), "client_secret": .string(secret)]))
        }
        let warnings = accounts.isEmpty
            ? ["no --config.file and no credentials in the environment (TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY, YEASTAR_CLIENT_ID/YEASTAR_CLIENT_SECRET): no accounts to watch, only the exporter's own metrics are served"]
            : []
        var unused: [ConfigProblem] = []
        let config = ExporterConfig(providerLimits: providerLimits(nil, problems: &unused), accounts: accounts, source: "environment")
        return .success(Loaded(config: config, warnings: warnings))
    }

    func schema(_ name: String) -> ProviderSchema? { schemas.first(where: { $0.name == name }) }

    private func providerLimits(_ value: JSONValue?, problems: inout [ConfigProblem]) -> [String: ProviderLimits] {
        var limits: [String: ProviderLimits] = [:]
        for schema in schemas {
            limits[schema.name] = ProviderLimits(requestsPerSecond: schema.defaultRequestsPerSecond,
                                                 maxConcurrency: schema.defaultMaxConcurrency)
        }
        switch value {
        case nil, .null?:
            return limits
        case .object(let byProvider)?:
            for name in byProvider.keys.sorted() {
                var reader = Reader(location: "providers.\(name)", problems: [])
                guard let current = limits[name] else {
                    problems.append(ConfigProblem(location: "providers", key: name,
                                                  message: "unknown provider (known: \(schemas.map(\.name).sorted().joined(separator: ", ")))"))
                    continue
                }
                guard case .object(let fields)? = byProvider[name] else {
                    problems.append(ConfigProblem(location: "providers", key: name, message: "expected an object, got \(byProvider[name]?.typeName ?? "nothing")"))
                    continue
                }
                for key in fields.keys.sorted() where !Self.providerLimitKeys.contains(key) {
                    reader.problem(key, "unknown key (known: \(Self.providerLimitKeys.sorted().joined(separator: ", ")))")
                }
                let rate = reader.number(fields, "requests_per_second", minimumExclusive: 0) ?? current.requestsPerSecond
                let concurrency = reader.number(fields, "max_concurrency", minimumExclusive: 0, integer: true).map { Int($0) } ?? current.maxConcurrency
                limits[name] = ProviderLimits(requestsPerSecond: rate, maxConcurrency: concurrency)
                problems += reader.problems
            }
        case let other?:
            problems.append(ConfigProblem(location: "config file", key: "providers", message: "expected an object, got \(other.typeName)"))
        }
        return limits
    }

    private func account(_ value: JSONValue, index: Int, defaultInterval: Double,
                         problems: inout [ConfigProblem], warnings: inout [String]) -> AccountConfig? {
        guard case .object(let fields) = value else {
            problems.append(ConfigProblem(location: "accounts[\(index)]", key: nil, message: "expected an object, got \(value.typeName)"))
            return nil
        }
        var reader = Reader(location: "accounts[\(index)]", problems: [])
        let name = reader.string(fields, "name", required: true)
        if let name {
            if name.isEmpty { reader.problem("name", "must not be empty") }
            reader.location = "accounts[\(index)] \"\(name)\""
        }
        let providerName = reader.string(fields, "provider", required: true)
        var schema: ProviderSchema?
        if let providerName {
            schema = self.schema(providerName)
            if schema == nil {
                reader.problem("provider", "unknown provider \"\(providerName)\" (known: \(schemas.map(\.name).sorted().joined(separator: ", ")))")
            }
        }
        let endpoint = reader.string(fields, "endpoint")
        if let endpoint, !Self.isHTTPURL(endpoint) {
            reader.problem("endpoint", "expected an http:// or https:// URL with a host, got \"\(endpoint)\"")
        }
        let uin = reader.identifier(fields, "uin")
        let currency = reader.string(fields, "currency")
        let interval = reader.duration(fields, "refresh_interval", minimum: ExporterConfig.minimumRefreshInterval) ?? defaultInterval

        var values: [String: ConfigValue] = [:]
        var known = Self.commonAccountKeys
        if let schema {
            for spec in schema.keys {
                known.insert(spec.name)
                if spec.kind == .string {
                    known.insert(spec.name + "_env")
                    known.insert(spec.name + "_file")
                }
                if let value = reader.value(fields, spec, environment: environment, warnings: &warnings) {
                    values[spec.name] = value
                }
            }
            for key in fields.keys.sorted() where !known.contains(key) {
                reader.problem(key, "unknown key for provider \(schema.name)")
            }
        }
        problems += reader.problems
        guard reader.problems.isEmpty, let name, let schema else { return nil }
        return AccountConfig(name: name, provider: schema.name, endpoint: endpoint ?? schema.defaultEndpoint,
                             uin: uin, currency: currency, refreshInterval: interval, values: values)
    }

    static func isHTTPURL(_ text: String) -> Bool {
        for scheme in ["http://", "https://"] where text.lowercased().hasPrefix(scheme) {
            let rest = text.dropFirst(scheme.count)
            let host = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
            return !host.isEmpty && !host.contains(" ")
        }
        return false
    }
}
