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
        /// Every problem found, in the order of the file; `config` then holds
        /// only the accounts without one.
        package var problems: [ConfigProblem]

        package init(config: ExporterConfig, warnings: [String], problems: [ConfigProblem] = []) {
            self.config = config
            self.warnings = warnings
            self.problems = problems
        }

        /// Itself, unless it has problems: then those.
        package func checked() throws(ConfigProblems) -> Loaded {
            if !problems.isEmpty { throw ConfigProblems(problems) }
            return self
        }
    }

    package let schemas: [ProviderSchema]
    package let environment: [String: String]

    package init(schemas: [ProviderSchema], environment: [String: String]) {
        self.schemas = schemas
        self.environment = environment
    }

    /// Keys of the top level and of every account: the proxy for the
    /// account's upstream calls (a secret: it may carry a password) and the
    /// CA bundle it trusts instead of the system's; an account's own win.
    static let networkKeys: Set<String> = ["proxy_url", "proxy_url_env", "proxy_url_file", "ca_file"]
    static let proxyURLSpec = ConfigKeySpec("proxy_url", .string, secret: true)
    static let topLevelKeys: Set<String> = Set(["refresh_interval", "max_stale", "providers", "accounts"]).union(networkKeys)
    static let commonAccountKeys: Set<String> = Set(["name", "provider", "endpoint", "uin", "currency", "refresh_interval"]).union(networkKeys)

    /// `.yml` and `.yaml` files are YAML (read by the YAML 1.2 core schema
    /// into the same JSON value); anything else, `.json` included, strict JSON.
    package static func isYAML(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".yml") || lower.hasSuffix(".yaml")
    }
    static let providerLimitKeys: Set<String> = ["requests_per_second", "requests_per_second_per_identity", "max_concurrency"]

    /// Loads `path`, or the environment when `path` is nil, and throws every
    /// problem found.
    package func load(path: String?) throws(ConfigProblems) -> Loaded {
        try read(path: path).checked()
    }

    package func load(bytes: [UInt8], source: String) throws(ConfigProblems) -> Loaded {
        try read(bytes: bytes, source: source).checked()
    }

    /// Like `load(path:)`, but returns the problems with the accounts that
    /// have none, so the caller can add the providers' own checks of those
    /// and report everything in one pass.
    package func read(path: String?) -> Loaded {
        guard let path else { return fromEnvironment() }
        let bytes: [UInt8]
        do {
            bytes = try SecretFile.read(path)
        } catch {
            return failed(ConfigProblem(location: "config file", key: nil, message: error.description))
        }
        var loaded = read(bytes: bytes, source: path)
        if let warning = SecretFile.readableByOthersWarning(path) {
            loaded.warnings.append("configuration file \(warning)")
        }
        return loaded
    }

    private func failed(_ problem: ConfigProblem) -> Loaded {
        Loaded(config: ExporterConfig(), warnings: [], problems: [problem])
    }

    package func read(bytes: [UInt8], source: String) -> Loaded {
        let yaml = Self.isYAML(source)
        let document: JSONValue
        if yaml {
            do {
                document = try YAMLDocument.parse(bytes).jsonValue
            } catch {
                return failed(ConfigProblem(location: "config file", key: nil, message: "not valid YAML: \(error)"))
            }
        } else {
            do {
                document = try JSONValue.decode(bytes)
            } catch {
                return failed(ConfigProblem(location: "config file", key: nil, message: "not valid JSON: \(error)"))
            }
        }
        var problems: [ConfigProblem] = []
        var warnings: [String] = []
        guard case .object(let top) = document else {
            return failed(ConfigProblem(location: "config file", key: nil, message: "expected an object at the top, got \(document.typeName)"))
        }
        var reader = Reader(location: "config file", problems: [], numbersAsText: yaml)
        for key in top.keys.sorted() where !Self.topLevelKeys.contains(key) {
            reader.problem(key, "unknown key (known: \(Self.topLevelKeys.sorted().joined(separator: ", ")))")
        }
        let network = reader.network(top, inherited: UpstreamNetwork(), environment: environment, warnings: &warnings)
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
                // Names are checked on the raw items, so a duplicate is named even when either account has other problems.
                if let name = item.object?["name"]?.string, !name.isEmpty {
                    if let first = seen[name] {
                        problems.append(ConfigProblem(location: AccountConfig.location(index: index, name: name), key: "name",
                                                      message: "duplicate account name (also accounts[\(first)])"))
                    } else {
                        seen[name] = index
                    }
                }
                if let account = self.account(item, index: index, defaultInterval: refreshInterval, network: network, yaml: yaml,
                                              problems: &problems, warnings: &warnings),
                   seen[account.name] == index {
                    accounts.append(account)
                }
            }
        case let other?:
            problems.append(ConfigProblem(location: "config file", key: "accounts", message: "expected an array, got \(other.typeName)"))
        }
        if accounts.isEmpty && problems.isEmpty {
            warnings.append("no accounts configured in \(source): only the exporter's own metrics are served")
        }
        let config = ExporterConfig(refreshInterval: refreshInterval, maxStale: maxStale, providerLimits: limits,
                                    accounts: accounts, source: source)
        return Loaded(config: config, warnings: warnings, problems: problems)
    }

    /// Zero-config: each provider's `environmentAccount` variables (for
    /// example `TENCENTCLOUD_SECRET_ID` + `TENCENTCLOUD_SECRET_KEY`) define
    /// one account named after the provider. Some but not all of a
    /// provider's required variables is a problem naming the missing ones:
    /// silently watching nothing would hide the mistake.
    package func fromEnvironment() -> Loaded {
        func env(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        var accounts: [AccountConfig] = []
        var problems: [ConfigProblem] = []
        for schema in schemas {
            guard let variables = schema.environmentAccount else { continue }
            let set = variables.required.filter { env($0.name) != nil }
            guard !set.isEmpty else { continue }
            guard set.count == variables.required.count else {
                let advice = variables.required.count == 2
                    ? "set both or neither" : "set all of \(variables.required.map(\.name).joined(separator: ", ")) or none"
                for missing in variables.required where env(missing.name) == nil {
                    problems.append(ConfigProblem(location: "environment", key: missing.name,
                                                  message: "not set or empty, but \(set.map(\.name).joined(separator: ", ")) is set: \(advice)"))
                }
                continue
            }
            var values: [String: ConfigValue] = [:]
            for variable in variables.required + variables.optional {
                if let value = env(variable.name) { values[variable.key] = .string(value) }
            }
            accounts.append(AccountConfig(name: schema.name, provider: schema.name, endpoint: schema.defaultEndpoint,
                                          refreshInterval: ExporterConfig.defaultRefreshInterval, values: values,
                                          location: "environment (\(schema.name))"))
        }
        var warnings: [String] = []
        if accounts.isEmpty && problems.isEmpty {
            let pairs = schemas.compactMap { $0.environmentAccount?.required.map(\.name).joined(separator: "/") }
            warnings.append("no --config.file and no credentials in the environment (\(pairs.joined(separator: ", "))): "
                + "no accounts to watch, only the exporter's own metrics are served")
        }
        var unused: [ConfigProblem] = []
        let config = ExporterConfig(providerLimits: providerLimits(nil, problems: &unused), accounts: accounts, source: "environment")
        return Loaded(config: config, warnings: warnings, problems: problems)
    }

    func schema(_ name: String) -> ProviderSchema? { schemas.first(where: { $0.name == name }) }

    private func providerLimits(_ value: JSONValue?, problems: inout [ConfigProblem]) -> [String: ProviderLimits] {
        var limits: [String: ProviderLimits] = [:]
        for schema in schemas {
            limits[schema.name] = schema.defaultLimits
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
                var chosen = current
                if let rate = reader.number(fields, "requests_per_second", minimumExclusive: 0) { chosen.requestsPerSecond = rate }
                if let rate = reader.number(fields, "requests_per_second_per_identity", minimumExclusive: 0) {
                    chosen.requestsPerSecondPerIdentity = rate
                }
                if let concurrency = reader.number(fields, "max_concurrency", minimumExclusive: 0, integer: true) {
                    chosen.maxConcurrency = Int(concurrency)
                }
                limits[name] = chosen
                problems += reader.problems
            }
        case let other?:
            problems.append(ConfigProblem(location: "config file", key: "providers", message: "expected an object, got \(other.typeName)"))
        }
        return limits
    }

    private func account(_ value: JSONValue, index: Int, defaultInterval: Double, network: UpstreamNetwork, yaml: Bool,
                         problems: inout [ConfigProblem], warnings: inout [String]) -> AccountConfig? {
        guard case .object(let fields) = value else {
            problems.append(ConfigProblem(location: AccountConfig.location(index: index, name: nil), key: nil,
                                          message: "expected an object, got \(value.typeName)"))
            return nil
        }
        var reader = Reader(location: AccountConfig.location(index: index, name: nil), problems: [], numbersAsText: yaml)
        let name = reader.string(fields, "name", required: true)
        if let name {
            if name.isEmpty { reader.problem("name", "must not be empty") }
            reader.location = AccountConfig.location(index: index, name: name)
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
        let accountNetwork = reader.network(fields, inherited: network, environment: environment, warnings: &warnings)

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
                             uin: uin, currency: currency, refreshInterval: interval, values: values,
                             network: accountNetwork, location: reader.location)
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
