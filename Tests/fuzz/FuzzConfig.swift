/// `ConfigLoader.load(bytes:source:)`: the configuration file, with the two
/// real provider schemas and an empty environment.
///
/// Inputs naming a `*_file` key are skipped: those read arbitrary paths
/// (a fuzzer could name /dev/stdin), which is file I/O, not decoding.
/// Beyond not crashing, a file that is not JSON is one problem naming line
/// and column, and a loaded configuration must hold what the engine
/// relies on; the backoff delay and its log text are computed from it as
/// the engine does after a failed refresh.
@testable import BalanceCore
@testable import BalanceSupport
@testable import BalanceTencentCloud
@testable import BalanceYeastar

func fuzzConfig(_ bytes: [UInt8]) -> CInt {
    if bytes.count >= 5, (0...(bytes.count - 5)).contains(where: { bytes[$0..<($0 + 5)].elementsEqual("_file".utf8) }) {
        return -1
    }
    let loader = ConfigLoader(schemas: [TencentCloud.schema, Yeastar.schema], environment: [:])
    switch Result(catching: { () throws(ConfigProblems) in try loader.load(bytes: bytes, source: "fuzz.json") }) {
    case .failure(let problems):
        fuzzRequire(!problems.description.isEmpty, "failure without a problem")
        if JSONValue.parse(bytes) == nil {
            fuzzRequire(problems.problems.count == 1 && problems.description.hasPrefix("config file: not valid JSON: line "),
                        "a syntax error reported as \(problems.description)")
        }
    case .success(let loaded):
        let config = loaded.config
        checkInterval(config.refreshInterval, minimum: ExporterConfig.minimumRefreshInterval, "refresh_interval")
        checkInterval(config.maxStale, minimum: 0, "max_stale")
        var names = Set<String>()
        for account in config.accounts {
            fuzzRequire(!account.name.isEmpty && names.insert(account.name).inserted, "account name \(account.name)")
            fuzzRequire(ConfigLoader.isHTTPURL(account.endpoint), "endpoint \(account.endpoint)")
            checkInterval(account.refreshInterval, minimum: ExporterConfig.minimumRefreshInterval, "account refresh_interval")
            for (key, value) in account.values {
                if case .duration(let seconds) = value { checkInterval(seconds, minimum: 0, key) }
            }
        }
        for (provider, limits) in config.providerLimits {
            for (key, rate) in [("requests_per_second", limits.requestsPerSecond),
                                ("requests_per_second_per_identity", limits.requestsPerSecondPerIdentity)] {
                if let rate { fuzzRequire(rate > 0 && rate.isFinite, "\(provider) \(key)") }
            }
            fuzzRequire(limits.maxConcurrency >= 1, "\(provider) max_concurrency")
        }
    }
    return 0
}

/// A configured duration as the engine uses it: finite, not below its
/// minimum, and printable in logs (the backoff after a credential error
/// waits max(300 s, refresh interval) and logs it as `retry_in`).
private func checkInterval(_ seconds: Double, minimum: Double, _ key: String) {
    fuzzRequire(seconds.isFinite && seconds >= minimum, "\(key) = \(seconds)")
    let delay = BackoffPolicy().delay(failures: 1, reason: .auth, refreshInterval: seconds, jitter: 0)
    fuzzRequire(!PrometheusDuration.format(delay).isEmpty && !PrometheusDuration.format(seconds).isEmpty, "\(key) not printable")
}
