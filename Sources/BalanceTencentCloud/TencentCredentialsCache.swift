import BalanceCore
import BalanceHTTP
import BalanceSupport

/// Caches temporary credentials until `refreshMargin` seconds before they
/// expire, by the injected clock; concurrent callers share one fetch.
actor TencentCredentialsCache {
    typealias Fetch = @Sendable () async -> Result<TencentCredentials, ProviderError>

    /// The SDKs refresh CVM role and STS credentials 300 s before expiry.
    static let defaultRefreshMargin = 300.0

    private let clock: any WallClock
    private let refreshMargin: Double
    private let fetch: Fetch
    private var cached: TencentCredentials?
    private var inFlight: Task<Result<TencentCredentials, ProviderError>, Never>?

    init(clock: any WallClock, refreshMargin: Double = TencentCredentialsCache.defaultRefreshMargin, fetch: @escaping Fetch) {
        self.clock = clock
        self.refreshMargin = refreshMargin
        self.fetch = fetch
    }

    func credentials() async throws(ProviderError) -> TencentCredentials {
        if let cached, isFresh(cached) { return cached }
        let task: Task<Result<TencentCredentials, ProviderError>, Never>
        if let inFlight {
            task = inFlight
        } else {
            let fetch = self.fetch
            task = Task { await fetch() }
            inFlight = task
        }
        let result = await task.value
        if inFlight == task { inFlight = nil }
        switch result {
        case .success(let credentials):
            cached = credentials
            return credentials
        case .failure(let error):
            throw error
        }
    }

    func invalidate(_ rejected: TencentCredentials) {
        if cached == rejected { cached = nil }
    }

    private func isFresh(_ credentials: TencentCredentials) -> Bool {
        guard let expiresAt = credentials.expiresAt else { return true }
        return clock.now() < expiresAt - refreshMargin
    }
}
